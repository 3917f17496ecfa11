#include <ATen/ATen.h>

#include "disco/diffusion.h"
#include "disco/edm.h"

namespace disco {

at::Tensor EdmDiffusion::sample_sigma(int64_t batch, const c10::Device& device, c10::optional<at::Generator> gen) const {
  return sample_edm_sigma(batch, o_.p_mean, o_.p_std, device, gen);
}

Batch EdmDiffusion::perturb(const Batch& clean, const at::Tensor& sigma, c10::optional<at::Generator> gen) const {
  const auto& x = clean.at(o_.state_key);
  auto noise = at::randn(x.sizes(), gen, x.options());
  return clean.with(o_.state_key, x + expand_like(sigma, x) * noise);
}

at::Tensor EdmDiffusion::loss(const Batch& clean, const at::Tensor& prediction, const at::Tensor& sigma) const {
  const auto& x = clean.at(o_.state_key);
  EdmPrecond precond{o_.sigma_data};
  auto per_example = (prediction - x).pow(2).reshape({x.size(0), -1}).mean(1);
  return precond.loss_weight(sigma) * per_example;
}

at::Tensor EdmDiffusion::sample_prior(int64_t n, const std::vector<int64_t>& state_shape, double sigma_max,
                                      const c10::Device& device, c10::optional<at::Generator> gen) const {
  std::vector<int64_t> shape{n};
  shape.insert(shape.end(), state_shape.begin(), state_shape.end());
  return at::randn(shape, gen, at::TensorOptions().device(device)) * sigma_max;
}

at::Tensor EdmDiffusion::ode_derivative(const at::Tensor& x, const at::Tensor& denoised, double sigma) const {
  return (x - denoised) / sigma;  // dx/dsigma = (x - D(x; sigma)) / sigma  (EDM Eq. 3 with sigma(t) = t)
}

}  // namespace disco
