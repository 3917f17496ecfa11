#pragma once
// Per-node normalisation of irreps features (keeps feature scales up through the layers, the role batch norm
// plays in DiffDock). For each block of a node:
//   0e:            (x - mean_c x) / sqrt(var_c x + eps) * gamma_c + beta_c   (ordinary layer norm)
//   0o and l > 0:  x / sqrt(mean_{c,m} x^2 + eps) * gamma_c                  (no shift, no bias)
// The divisor is invariant, and no constant is added to a non-scalar or a pseudoscalar, so it is
// O(3)-equivariant. eps = 1e-8 so that blocks which are exactly zero (no path reaches them) stay zero.
#include <torch/nn/module.h>

#include <vector>

#include "equivariant/irreps.h"

namespace disco::equivariant {

class EquivariantNormImpl : public torch::nn::Module {
 public:
  explicit EquivariantNormImpl(Irreps irreps);
  at::Tensor forward(const at::Tensor& x);

 private:
  Irreps irreps_;
  std::vector<at::Tensor> gamma_, beta_;  // beta_ undefined for blocks other than 0e
};
TORCH_MODULE(EquivariantNorm);

}  // namespace disco::equivariant
