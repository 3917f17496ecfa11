#include "equivariant/tensor_product.h"

#include <cmath>
#include <stdexcept>

#include "equivariant/clebsch_gordan.h"

namespace disco::equivariant {

WeightedTensorProductImpl::WeightedTensorProductImpl(Irreps in, Irreps attr, Irreps out)
    : in_(std::move(in)), attr_(std::move(attr)), out_(std::move(out)) {
  for (const auto& b : attr_.blocks())
    if (b.mul != 1) throw std::invalid_argument("tensor product: attribute irreps must have multiplicity 1");
  std::vector<int64_t> fan_in(out_.size(), 0);
  for (size_t a = 0; a < in_.size(); ++a)
    for (size_t b = 0; b < attr_.size(); ++b)
      for (size_t o = 0; o < out_.size(); ++o) {
        if (!can_couple(in_[a].irrep, attr_[b].irrep, out_[o].irrep)) continue;
        paths_.push_back({a, b, o, weight_numel_});
        weight_numel_ += in_[a].mul * out_[o].mul;
        fan_in[o] += in_[a].mul;
        // Not a registered buffer: the tables are constants (not checkpoint state) and stay float64, so a float64
        // model gets float64 coefficients rather than float32 ones cast up.
        coefficients_.push_back(clebsch_gordan(in_[a].irrep.l, attr_[b].irrep.l, out_[o].irrep.l));
      }
  for (int64_t f : fan_in) out_scale_.push_back(f > 0 ? 1.0 / std::sqrt(static_cast<double>(f)) : 0.0);
}

at::Tensor WeightedTensorProductImpl::forward(const at::Tensor& x, const at::Tensor& attr,
                                              const at::Tensor& weights) {
  const int64_t E = x.size(0);
  if (x.size(1) != in_.dim() || attr.size(1) != attr_.dim() || weights.size(1) != weight_numel_ ||
      attr.size(0) != E || weights.size(0) != E)
    throw std::invalid_argument("tensor product: input shapes do not match the irreps");
  std::vector<at::Tensor> out_blocks(out_.size());
  std::vector<at::Tensor> cg;
  for (const auto& c : coefficients_) cg.push_back(c.to(x.options()));
  for (size_t p = 0; p < paths_.size(); ++p) {
    const auto& path = paths_[p];
    const MulIrrep& a = in_[path.in_block];
    const MulIrrep& o = out_[path.out_block];
    const int d1 = a.irrep.dim(), d2 = attr_[path.attr_block].irrep.dim(), d3 = o.irrep.dim();
    const at::Tensor xa = x.narrow(1, in_.offset(path.in_block), a.dim()).view({E, a.mul, d1});
    const at::Tensor yb = attr.narrow(1, attr_.offset(path.attr_block), d2);
    const at::Tensor& C = cg[p];  // (d1, d2, d3)
    // (E, d1, d3): y contracted with C; then (E, mul_a, d3); then mix channels with this edge's weights.
    const at::Tensor yc = yb.matmul(C.permute({1, 0, 2}).reshape({d2, d1 * d3})).view({E, d1, d3});
    const at::Tensor t = at::bmm(xa, yc);
    const at::Tensor w = weights.narrow(1, path.weight_offset, a.mul * o.mul).view({E, a.mul, o.mul});
    const at::Tensor contribution = at::bmm(w.transpose(1, 2), t);  // (E, mul_o, d3)
    auto& acc = out_blocks[path.out_block];
    acc = acc.defined() ? acc + contribution : contribution;
  }
  std::vector<at::Tensor> flat;
  for (size_t o = 0; o < out_.size(); ++o) {
    if (out_blocks[o].defined())
      flat.push_back((out_blocks[o] * out_scale_[o]).reshape({E, out_[o].dim()}));
    else
      flat.push_back(at::zeros({E, out_[o].dim()}, x.options()));
  }
  return at::cat(flat, 1);
}

at::Tensor couple(const at::Tensor& a, int l1, const at::Tensor& b, int l2, int l3) {
  const at::Tensor C = clebsch_gordan(l1, l2, l3).to(a.options());
  return at::einsum("ei,ej,ijk->ek", {a, b, C});
}

}  // namespace disco::equivariant
