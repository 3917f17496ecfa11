// EDM preconditioning, training noise distribution and loss weight (Karras et al. 2022, Table 1;
// paper Eq. 3). Written with the papers' own symbols.
#pragma once
#include <ATen/core/Tensor.h>
#include <ATen/core/Generator.h>
#include <c10/core/Device.h>

#include <optional>

namespace disco {

struct EdmPrecond {
  double sigma_data = 0.5;

  // D(x; sigma) = c_skip x + c_out F(c_in x; c_noise)
  at::Tensor c_skip(const at::Tensor& sigma) const;   // sigma_d^2 / (sigma^2 + sigma_d^2)
  at::Tensor c_out(const at::Tensor& sigma) const;    // sigma sigma_d / sqrt(sigma^2 + sigma_d^2)
  at::Tensor c_in(const at::Tensor& sigma) const;     // 1 / sqrt(sigma^2 + sigma_d^2)
  at::Tensor c_noise(const at::Tensor& sigma) const;  // ln(sigma) / 4
  // lambda(sigma) = (sigma^2 + sigma_d^2) / (sigma sigma_d)^2
  at::Tensor loss_weight(const at::Tensor& sigma) const;
};

// Training sigma: ln(sigma) ~ N(p_mean, p_std^2), [batch] float.
at::Tensor sample_edm_sigma(int64_t batch, double p_mean, double p_std, const c10::Device& device,
                            c10::optional<at::Generator> gen = c10::nullopt);

// Broadcast a per-example [B] tensor against x [B, ...] (adds trailing singleton dims).
at::Tensor expand_like(const at::Tensor& per_example, const at::Tensor& x);

}  // namespace disco
