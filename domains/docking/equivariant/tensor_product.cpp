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

// Edges [begin, end) of contract_per_edge; `acc` holds d3 * mul_o values, [k][u], contiguous over u.
template <class scalar_t>
__attribute__((always_inline)) inline void contract_edges(const scalar_t* t, const scalar_t* w, scalar_t* out,
                                                          scalar_t* acc, int64_t begin, int64_t end, int64_t K,
                                                          int64_t d3, int64_t mul_o, int64_t row) {
  for (int64_t e = begin; e < end; ++e) {
    std::fill(acc, acc + d3 * mul_o, scalar_t(0));
    const scalar_t* te = t + e * K * d3;
    const scalar_t* we = w + e * row;
    for (int64_t k_in = 0; k_in < K; ++k_in) {
      const scalar_t* wk = we + k_in * mul_o;
      for (int64_t k = 0; k < d3; ++k) {
        const scalar_t tk = te[k_in * d3 + k];
        scalar_t* a = acc + k * mul_o;
        for (int64_t u = 0; u < mul_o; ++u) a[u] += tk * wk[u];
      }
    }
    scalar_t* oe = out + e * mul_o * d3;
    for (int64_t u = 0; u < mul_o; ++u)
      for (int64_t k = 0; k < d3; ++k) oe[u * d3 + k] = acc[k * mul_o + u];
  }
}

// The float32 loop is compiled twice, for AVX2 + FMA and for the baseline x86-64 the build targets; the loader
// picks one for the CPU it runs on (GCC function multiversioning), so the binary stays portable.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("arch=haswell", "default")))
#endif
void contract_edges_float(const float* t, const float* w, float* out, float* acc, int64_t begin, int64_t end,
                          int64_t K, int64_t d3, int64_t mul_o, int64_t row) {
  contract_edges<float>(t, w, out, acc, begin, end, K, d3, mul_o, row);
}
void contract_edges_of(const float* t, const float* w, float* out, float* acc, int64_t begin, int64_t end, int64_t K,
                       int64_t d3, int64_t mul_o, int64_t row) {
  contract_edges_float(t, w, out, acc, begin, end, K, d3, mul_o, row);
}
void contract_edges_of(const double* t, const double* w, double* out, double* acc, int64_t begin, int64_t end,
                       int64_t K, int64_t d3, int64_t mul_o, int64_t row) {
  contract_edges<double>(t, w, out, acc, begin, end, K, d3, mul_o, row);
}

}  // namespace

at::Tensor contract_per_edge(const at::Tensor& T, const at::Tensor& weights, int64_t first_weight, int64_t mul_o) {
  const int64_t E = T.size(0), K = T.size(1), d3 = T.size(2), row = weights.stride(0);
  at::Tensor y = at::empty({E, mul_o * d3}, T.options());
  AT_DISPATCH_FLOATING_TYPES(T.scalar_type(), "contract_per_edge", [&] {
    const scalar_t* t = T.data_ptr<scalar_t>();
    const scalar_t* w = weights.data_ptr<scalar_t>() + first_weight;
    scalar_t* out = y.data_ptr<scalar_t>();
    at::parallel_for(0, E, 64, [&](int64_t begin, int64_t end) {
      std::vector<scalar_t> acc(static_cast<size_t>(d3 * mul_o));
      contract_edges_of(t, w, out, acc.data(), begin, end, K, d3, mul_o, row);
    });
  });
  return y;
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
}

at::Tensor WeightedTensorProductImpl::forward(const at::Tensor& x, const at::Tensor& attr,
                                              const at::Tensor& weights) {
  const int64_t E = x.size(0);
  if (x.size(1) != in_.dim() || attr.size(1) != attr_.dim() || weights.size(1) != weight_numel_ ||
      attr.size(0) != E || weights.size(0) != E)
    throw std::invalid_argument("tensor product: input shapes do not match the irreps");
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
    at::Tensor y;
    if (!at::GradMode::is_enabled() && T.device().is_cpu() && weights.stride(1) == 1)
      y = contract_per_edge(T.contiguous(), weights, first_weight, mul_o);
    else
      y = d3 == 1 ? at::bmm(T.transpose(1, 2), W).view({E, mul_o})         // scalars: (E, 1, K) (E, K, mul_o)
                  : at::bmm(W.transpose(1, 2), T).reshape({E, mul_o * d3});  // (E, mul_o, d3)
    flat.push_back(y * out_scale_[o]);
  }
  return at::cat(flat, 1);
}

at::Tensor couple(const at::Tensor& a, int l1, const at::Tensor& b, int l2, int l3) {
  const at::Tensor C = clebsch_gordan(l1, l2, l3).to(a.options());
  return at::einsum("ei,ej,ijk->ek", {a, b, C});
}

}  // namespace disco::equivariant
