#include "equivariant/equivariant_norm.h"

namespace disco::equivariant {

namespace {
constexpr double kEps = 1e-8;
}

EquivariantNormImpl::EquivariantNormImpl(Irreps irreps) : irreps_(std::move(irreps)) {
  for (size_t i = 0; i < irreps_.size(); ++i) {
    gamma_.push_back(register_parameter("gamma" + std::to_string(i), at::ones({irreps_[i].mul})));
    beta_.push_back(irreps_[i].irrep == Irrep{0, 1} ? register_parameter("beta" + std::to_string(i), at::zeros({irreps_[i].mul}))
                                                    : at::Tensor());
  }
}

at::Tensor EquivariantNormImpl::forward(const at::Tensor& x) {
  const int64_t N = x.size(0);
  std::vector<at::Tensor> out;
  for (size_t i = 0; i < irreps_.size(); ++i) {
    const MulIrrep& b = irreps_[i];
    const at::Tensor block = x.narrow(1, irreps_.offset(i), b.dim()).view({N, b.mul, b.irrep.dim()});
    at::Tensor y;
    if (b.irrep == Irrep{0, 1}) {
      const at::Tensor centred = block - block.mean(1, true);
      y = centred / at::sqrt(centred.pow(2).mean(1, true) + kEps) * gamma_[i].view({1, b.mul, 1}) +
          beta_[i].view({1, b.mul, 1});
    } else {
      y = block / at::sqrt(block.pow(2).mean({1, 2}, true) + kEps) * gamma_[i].view({1, b.mul, 1});
    }
    out.push_back(y.reshape({N, b.dim()}));
  }
  return at::cat(out, 1);
}

}  // namespace disco::equivariant
