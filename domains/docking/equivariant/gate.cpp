#include "equivariant/gate.h"

#include <vector>

namespace disco::equivariant {

namespace {
int64_t gated_channels(const Irreps& features) {
  int64_t n = 0;
  for (const auto& b : features.blocks())
    if (b.irrep.l > 0) n += b.mul;
  return n;
}
}  // namespace

Irreps gated_irreps(const Irreps& features) {
  const int64_t n = gated_channels(features);
  if (n == 0) return features;
  return features + Irreps({MulIrrep{n, Irrep{0, 1}}});
}

at::Tensor gate(const at::Tensor& x, const Irreps& features) {
  const int64_t last = x.dim() - 1;
  const at::Tensor gates = at::sigmoid(x.narrow(last, features.dim(), gated_channels(features)));
  std::vector<at::Tensor> out;
  int64_t g = 0;
  for (size_t i = 0; i < features.size(); ++i) {
    const MulIrrep& b = features[i];
    const at::Tensor block = x.narrow(last, features.offset(i), b.dim());
    if (b.irrep.l == 0) {
      out.push_back(b.irrep.parity > 0 ? at::silu(block) : at::tanh(block));
    } else {
      auto shape = block.sizes().vec();
      shape.back() = b.mul;
      shape.push_back(b.irrep.dim());
      const at::Tensor gb = gates.narrow(last, g, b.mul).unsqueeze(-1);
      out.push_back((block.view(shape) * gb).flatten(last));
      g += b.mul;
    }
  }
  return at::cat(out, last);
}

}  // namespace disco::equivariant
