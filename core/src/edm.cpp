#include "disco/edm.h"

#include <ATen/ATen.h>

namespace disco {

at::Tensor EdmPrecond::c_skip(const at::Tensor& sigma) const {
  const double sd2 = sigma_data * sigma_data;
  return sd2 / (sigma * sigma + sd2);
}
at::Tensor EdmPrecond::c_out(const at::Tensor& sigma) const {
  return sigma * sigma_data / (sigma * sigma + sigma_data * sigma_data).sqrt();
}
at::Tensor EdmPrecond::c_in(const at::Tensor& sigma) const {
  return (sigma * sigma + sigma_data * sigma_data).rsqrt();
}
at::Tensor EdmPrecond::c_noise(const at::Tensor& sigma) const { return sigma.log() / 4; }
at::Tensor EdmPrecond::loss_weight(const at::Tensor& sigma) const {
  return (sigma * sigma + sigma_data * sigma_data) / (sigma * sigma_data).pow(2);
}

at::Tensor sample_edm_sigma(int64_t batch, double p_mean, double p_std, const c10::Device& device,
                            c10::optional<at::Generator> gen) {
  auto n = at::randn({batch}, gen, at::TensorOptions().device(device));
  return (n * p_std + p_mean).exp();
}

at::Tensor expand_like(const at::Tensor& per_example, const at::Tensor& x) {
  std::vector<int64_t> shape(x.dim(), 1);
  shape[0] = per_example.size(0);
  return per_example.reshape(shape);
}

}  // namespace disco
