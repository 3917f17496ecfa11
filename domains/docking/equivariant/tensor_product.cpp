#include "equivariant/tensor_product.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <vector>

#include "equivariant/clebsch_gordan.h"

namespace disco::equivariant {

namespace {

constexpr int64_t kTile = FusedTensorProductPlan::kEdgeTile;

// Tiles [begin, end) of kTile edges each, edge-minor layout (a feature's values for consecutive edges are
// contiguous, rows of n edges). Every innermost loop runs over the kTile edges of a tile, a fixed count, so
// the compiler vectorises it fully whatever the multiplicities; a per-edge loop over the 6 channels of a
// vector block cannot be. Per output block, first the coupled features of every input channel j of its paths:
// t[j][k][l] = sum_m1 x[i, m1][l] * (sum_m2 C[m1, m2, k] y[m2][l]); then, four output channels u at a time
// with their sums in registers, out[u * d3 + k][l] = alpha * sum_j t[j][k][l] * W[j][u][l].
template <class scalar_t>
__attribute__((always_inline)) inline void fused_tiles(const FusedTensorProductPlan& plan, const scalar_t* x,
                                                       const scalar_t* y, const scalar_t* w, scalar_t* out,
                                                       int64_t n, const scalar_t* cg, scalar_t* scratch,
                                                       int64_t begin, int64_t end) {
  constexpr int64_t kU = 4;
  scalar_t* t = scratch;                                 // (block fan_in, d3) tiles
  scalar_t* cy = t + plan.max_block_inputs * kTile;      // (d1, d3) tiles: C contracted with y
  for (int64_t tile = begin; tile < end; ++tile) {
    const int64_t e0 = tile * kTile;
    for (const auto& block : plan.blocks) {
      const int64_t mul_o = block.mul_o, d3 = block.d3;
      int64_t j = 0;  // input channel of the block, over its paths
      for (const auto& path : block.paths) {
        const int64_t d1 = path.d1, d2 = path.d2;
        const scalar_t* c = cg + path.cg_offset;  // [m1][m2][k]
        for (int64_t m1 = 0; m1 < d1; ++m1)
          for (int64_t k = 0; k < d3; ++k) {
            scalar_t* v = cy + (m1 * d3 + k) * kTile;
            std::fill(v, v + kTile, scalar_t(0));
            for (int64_t m2 = 0; m2 < d2; ++m2) {
              const scalar_t cm = c[(m1 * d2 + m2) * d3 + k];
              const scalar_t* ym = y + (path.attr_offset + m2) * n + e0;
              for (int64_t l = 0; l < kTile; ++l) v[l] += cm * ym[l];
            }
          }
        for (int64_t i = 0; i < path.mul_in; ++i, ++j)
          for (int64_t k = 0; k < d3; ++k) {
            scalar_t* tk = t + (j * d3 + k) * kTile;
            std::fill(tk, tk + kTile, scalar_t(0));
            for (int64_t m1 = 0; m1 < d1; ++m1) {
              const scalar_t* xm = x + (path.in_offset + i * d1 + m1) * n + e0;
              const scalar_t* v = cy + (m1 * d3 + k) * kTile;
              for (int64_t l = 0; l < kTile; ++l) tk[l] += xm[l] * v[l];
            }
          }
      }
      const int64_t fan_in = j;
      const scalar_t* wb = w + block.weight_offset * n + e0;  // row j * mul_o + u
      const scalar_t alpha = static_cast<scalar_t>(block.scale);
      for (int64_t k = 0; k < d3; ++k) {
        int64_t u = 0;
        for (; u + kU <= mul_o; u += kU) {
          scalar_t acc[kU][kTile] = {};
          for (int64_t jj = 0; jj < fan_in; ++jj) {
            const scalar_t* tj = t + (jj * d3 + k) * kTile;
            const scalar_t* wj = wb + (jj * mul_o + u) * n;
            for (int64_t q = 0; q < kU; ++q)
              for (int64_t l = 0; l < kTile; ++l) acc[q][l] += tj[l] * wj[q * n + l];
          }
          for (int64_t q = 0; q < kU; ++q) {
            scalar_t* o = out + (block.out_offset + (u + q) * d3 + k) * n + e0;
            for (int64_t l = 0; l < kTile; ++l) o[l] = alpha * acc[q][l];
          }
        }
        for (; u < mul_o; ++u) {
          scalar_t acc[kTile] = {};
          for (int64_t jj = 0; jj < fan_in; ++jj) {
            const scalar_t* tj = t + (jj * d3 + k) * kTile;
            const scalar_t* wj = wb + (jj * mul_o + u) * n;
            for (int64_t l = 0; l < kTile; ++l) acc[l] += tj[l] * wj[l];
          }
          scalar_t* o = out + (block.out_offset + u * d3 + k) * n + e0;
          for (int64_t l = 0; l < kTile; ++l) o[l] = alpha * acc[l];
        }
      }
    }
  }
}

// The float32 loop is compiled for AVX-512, for AVX2 + FMA and for the baseline x86-64 the build targets; the
// loader picks one for the CPU it runs on (GCC function multiversioning), so the binary stays portable.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("arch=skylake-avx512", "arch=haswell", "default")))
#endif
void fused_tiles_float(const FusedTensorProductPlan& plan, const float* x, const float* y, const float* w, float* out,
                       int64_t n, const float* cg, float* scratch, int64_t begin, int64_t end) {
  fused_tiles<float>(plan, x, y, w, out, n, cg, scratch, begin, end);
}
void fused_tiles_of(const FusedTensorProductPlan& plan, const float* x, const float* y, const float* w, float* out,
                    int64_t n, const float* cg, float* scratch, int64_t begin, int64_t end) {
  fused_tiles_float(plan, x, y, w, out, n, cg, scratch, begin, end);
}
void fused_tiles_of(const FusedTensorProductPlan& plan, const double* x, const double* y, const double* w,
                    double* out, int64_t n, const double* cg, double* scratch, int64_t begin, int64_t end) {
  fused_tiles<double>(plan, x, y, w, out, n, cg, scratch, begin, end);
}

}  // namespace

at::Tensor fused_tensor_product(const FusedTensorProductPlan& plan, const at::Tensor& x_t, const at::Tensor& attr_t,
                                const at::Tensor& weights_t) {
  const int64_t n = x_t.size(1);
  TORCH_CHECK(x_t.device().is_cpu() && x_t.is_contiguous() && attr_t.is_contiguous() && weights_t.is_contiguous() &&
                  attr_t.size(1) == n && weights_t.size(1) == n && n % kTile == 0,
              "fused tensor product: contiguous CPU tensors of (features, edges), edges a multiple of ", kTile);
  at::Tensor out = at::empty({plan.out_dim, n}, x_t.options());
  AT_DISPATCH_FLOATING_TYPES(x_t.scalar_type(), "fused_tensor_product", [&] {
    const at::Tensor cg = plan.cg.to(x_t.scalar_type());
    const scalar_t* c = cg.data_ptr<scalar_t>();
    const scalar_t* xp = x_t.data_ptr<scalar_t>();
    const scalar_t* yp = attr_t.data_ptr<scalar_t>();
    const scalar_t* wp = weights_t.data_ptr<scalar_t>();
    scalar_t* op = out.data_ptr<scalar_t>();
    at::parallel_for(0, n / kTile, 2, [&](int64_t begin, int64_t end) {
      std::vector<scalar_t> scratch(static_cast<size_t>((plan.max_block_inputs + plan.max_path_coupling) * kTile));
      fused_tiles_of(plan, xp, yp, wp, op, n, c, scratch.data(), begin, end);
    });
    // Blocks no path reaches are zero.
    std::vector<bool> reached(static_cast<size_t>(plan.out_dim), false);
    for (const auto& block : plan.blocks)
      std::fill(reached.begin() + block.out_offset, reached.begin() + block.out_offset + block.mul_o * block.d3, true);
    for (int64_t r = 0; r < plan.out_dim; ++r)
      if (!reached[size_t(r)]) std::fill(op + r * n, op + (r + 1) * n, scalar_t(0));
  });
  return out;
}

at::Tensor edges_last_padded(const at::Tensor& rows, int64_t padded) {
  at::Tensor t = at::zeros({rows.size(1), padded}, rows.options());
  t.narrow(1, 0, rows.size(0)).copy_(rows.t());
  return t;
}

WeightedTensorProductImpl::WeightedTensorProductImpl(Irreps in, Irreps attr, Irreps out)
    : in_(std::move(in)), attr_(std::move(attr)), out_(std::move(out)) {
  for (const auto& b : attr_.blocks())
    if (b.mul != 1) throw std::invalid_argument("tensor product: attribute irreps must have multiplicity 1");
  // Paths are ordered by output block, so the weights of all paths into one block are contiguous and read
  // as one (E, sum of mul_in, mul_out) matrix.
  for (size_t o = 0; o < out_.size(); ++o) {
    int64_t fan_in = 0;
    for (size_t a = 0; a < in_.size(); ++a)
      for (size_t b = 0; b < attr_.size(); ++b) {
        if (!can_couple(in_[a].irrep, attr_[b].irrep, out_[o].irrep)) continue;
        paths_.push_back({a, b, o, weight_numel_});
        weight_numel_ += in_[a].mul * out_[o].mul;
        fan_in += in_[a].mul;
        // Not a registered buffer: the tables are constants (not checkpoint state) and stay float64, so a
        // float64 model gets float64 coefficients rather than float32 ones cast up.
        coefficients_.push_back(clebsch_gordan(in_[a].irrep.l, attr_[b].irrep.l, out_[o].irrep.l));
      }
    out_scale_.push_back(fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0);
  }
  // The same paths as the fused kernel reads them: CG tables packed into one buffer, offsets per block.
  std::vector<double> cg;
  fused_.out_dim = out_.dim();
  for (size_t o = 0; o < out_.size(); ++o) {
    FusedTensorProductPlan::Block block;
    block.out_offset = out_.offset(o);
    block.mul_o = out_[o].mul;
    block.d3 = out_[o].irrep.dim();
    block.scale = out_scale_[o];
    bool first = true;
    for (size_t p = 0; p < paths_.size(); ++p) {
      if (paths_[p].out_block != o) continue;
      if (first) block.weight_offset = paths_[p].weight_offset;  // the block's paths follow one another
      first = false;
      const MulIrrep& a = in_[paths_[p].in_block];
      FusedTensorProductPlan::Path path;
      path.in_offset = in_.offset(paths_[p].in_block);
      path.mul_in = a.mul;
      path.d1 = a.irrep.dim();
      path.attr_offset = attr_.offset(paths_[p].attr_block);
      path.d2 = attr_[paths_[p].attr_block].irrep.dim();
      path.cg_offset = static_cast<int64_t>(cg.size());
      const at::Tensor table = coefficients_[p].contiguous();  // (d1, d2, d3), float64
      cg.insert(cg.end(), table.data_ptr<double>(), table.data_ptr<double>() + table.numel());
      fused_.max_path_coupling = std::max(fused_.max_path_coupling, path.d1 * block.d3);
      block.paths.push_back(path);
    }
    int64_t inputs = 0;
    for (const auto& path : block.paths) inputs += path.mul_in;
    fused_.max_block_inputs = std::max(fused_.max_block_inputs, inputs * block.d3);
    if (!block.paths.empty()) fused_.blocks.push_back(block);
  }
  fused_.cg = at::tensor(cg, at::kDouble);
}

at::Tensor WeightedTensorProductImpl::forward(const at::Tensor& x, const at::Tensor& attr,
                                              const at::Tensor& weights) {
  const int64_t E = x.size(0);
  if (x.size(1) != in_.dim() || attr.size(1) != attr_.dim() || weights.size(1) != weight_numel_ ||
      attr.size(0) != E || weights.size(0) != E)
    throw std::invalid_argument("tensor product: input shapes do not match the irreps");
  // Without autograd on the CPU, the fused kernel does the whole product (transposed to edges last here; the
  // convolution's chunks make that layout directly and call forward_edges_last).
  if (!at::GradMode::is_enabled() && x.device().is_cpu()) {
    const int64_t padded = (E + kTile - 1) / kTile * kTile;
    return forward_edges_last(edges_last_padded(x, padded), edges_last_padded(attr, padded),
                              edges_last_padded(weights, padded))
        .narrow(1, 0, E)
        .t()
        .contiguous();
  }
  // Outer products x_a (x) y_b, (E * mul_a, d1 * d2), computed once per (a, b) and shared by its paths.
  std::map<std::pair<size_t, size_t>, at::Tensor> outer;
  auto outer_of = [&](size_t a, size_t b) -> const at::Tensor& {
    auto it = outer.find({a, b});
    if (it != outer.end()) return it->second;
    const int64_t d1 = in_[a].irrep.dim(), d2 = attr_[b].irrep.dim();
    const at::Tensor xa = x.narrow(1, in_.offset(a), in_[a].dim()).view({E, in_[a].mul, d1, 1});
    const at::Tensor yb = attr.narrow(1, attr_.offset(b), d2).view({E, 1, 1, d2});
    return outer.emplace(std::make_pair(a, b), (xa * yb).reshape({E * in_[a].mul, d1 * d2})).first->second;
  };
  std::vector<at::Tensor> flat;
  size_t p = 0;
  for (size_t o = 0; o < out_.size(); ++o) {
    const int64_t mul_o = out_[o].mul, d3 = out_[o].irrep.dim();
    std::vector<at::Tensor> terms;  // (E, mul_a, d3) per path into o
    const int64_t first_weight = p < paths_.size() ? paths_[p].weight_offset : 0;
    int64_t fan_in = 0;
    for (; p < paths_.size() && paths_[p].out_block == o; ++p) {
      const auto& path = paths_[p];
      const MulIrrep& a = in_[path.in_block];
      const at::Tensor C = coefficients_[p].to(x.options()).reshape({-1, d3});  // (d1 * d2, d3)
      terms.push_back(outer_of(path.in_block, path.attr_block).mm(C).view({E, a.mul, d3}));
      fan_in += a.mul;
    }
    if (terms.empty()) {
      flat.push_back(at::zeros({E, out_[o].dim()}, x.options()));
      continue;
    }
    const at::Tensor T = terms.size() == 1 ? terms[0] : at::cat(terms, 1);           // (E, K, d3)
    const at::Tensor W = weights.narrow(1, first_weight, fan_in * mul_o).view({E, fan_in, mul_o});
    const at::Tensor y = d3 == 1 ? at::bmm(T.transpose(1, 2), W).view({E, mul_o})  // scalars: (E, 1, K) (E, K, mul_o)
                                 : at::bmm(W.transpose(1, 2), T).reshape({E, mul_o * d3});  // (E, mul_o, d3)
    flat.push_back(y * out_scale_[o]);
  }
  return at::cat(flat, 1);
}

at::Tensor WeightedTensorProductImpl::forward_edges_last(const at::Tensor& x_t, const at::Tensor& attr_t,
                                                         const at::Tensor& weights_t) const {
  if (x_t.size(0) != in_.dim() || attr_t.size(0) != attr_.dim() || weights_t.size(0) != weight_numel_)
    throw std::invalid_argument("tensor product: input shapes do not match the irreps");
  return fused_tensor_product(fused_, x_t, attr_t, weights_t);
}

at::Tensor couple(const at::Tensor& a, int l1, const at::Tensor& b, int l2, int l3) {
  const at::Tensor C = clebsch_gordan(l1, l2, l3).to(a.options());
  return at::einsum("ei,ej,ijk->ek", {a, b, C});
}

}  // namespace disco::equivariant
