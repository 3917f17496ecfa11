// Diffusion: the forward process on a domain's state space and the pieces samplers need.
// The core ships EdmDiffusion (Euclidean, x_sigma = x + sigma eps); a domain with a non-Euclidean state
// (docking: R3 x SO(3) x torsions) provides its own.
#pragma once
#include <ATen/core/Tensor.h>
#include <ATen/core/Generator.h>

#include <optional>
#include <string>
#include <vector>

#include "disco/batch.h"

namespace disco {

class Diffusion {
 public:
  virtual ~Diffusion() = default;
  virtual std::string name() const = 0;
  // The Batch key holding the diffused state ("x").
  virtual const std::string& state_key() const = 0;

  // ---- training (paper Eq. 3) ----
  virtual at::Tensor sample_sigma(int64_t batch, const c10::Device& device, c10::optional<at::Generator> gen) const = 0;
  // The batch with its state replaced by a draw from the perturbation kernel p(x_sigma | x).
  virtual Batch perturb(const Batch& clean, const at::Tensor& sigma, c10::optional<at::Generator> gen) const = 0;
  // Per-example weighted denoising loss [B] given the denoiser's prediction.
  virtual at::Tensor loss(const Batch& clean, const at::Tensor& prediction, const at::Tensor& sigma) const = 0;
  // What the trainer calls: the same loss, also given the perturbed batch that perturb() returned. A diffusion
  // whose targets are drawn in perturb() (docking: the scores of the sampled pose noise) reads them from
  // `noisy`; the default ignores it and calls loss().
  virtual at::Tensor training_loss(const Batch& clean, const Batch& noisy, const at::Tensor& prediction,
                                   const at::Tensor& sigma) const {
    (void)noisy;
    return loss(clean, prediction, sigma);
  }

  // ---- sampling (Euclidean states) ----
  virtual double sigma_min() const = 0;
  virtual double sigma_max() const = 0;
  // x_T ~ p(x; sigma_max), shape [n, state_shape...].
  virtual at::Tensor sample_prior(int64_t n, const std::vector<int64_t>& state_shape, double sigma_max,
                                  const c10::Device& device, c10::optional<at::Generator> gen) const = 0;
  // Probability-flow ODE dx/dsigma given the denoised estimate D(x; sigma).
  virtual at::Tensor ode_derivative(const at::Tensor& x, const at::Tensor& denoised, double sigma) const = 0;
};

// x_sigma = x + sigma eps; ln sigma ~ N(p_mean, p_std^2); loss lambda(sigma) |D - x|^2 averaged over the
// state's elements (EDM; DESIGN.md "The method in one page").
struct EdmDiffusionOptions {
  double sigma_data = 0.5;
  double p_mean = -1.2;
  double p_std = 1.2;
  double sigma_min = 0.002;
  double sigma_max = 80.0;
  std::string state_key = "x";
};

class EdmDiffusion : public Diffusion {
 public:
  explicit EdmDiffusion(EdmDiffusionOptions o) : o_(std::move(o)) {}
  std::string name() const override { return "edm"; }
  const std::string& state_key() const override { return o_.state_key; }
  at::Tensor sample_sigma(int64_t batch, const c10::Device& device, c10::optional<at::Generator> gen) const override;
  Batch perturb(const Batch& clean, const at::Tensor& sigma, c10::optional<at::Generator> gen) const override;
  at::Tensor loss(const Batch& clean, const at::Tensor& prediction, const at::Tensor& sigma) const override;
  double sigma_min() const override { return o_.sigma_min; }
  double sigma_max() const override { return o_.sigma_max; }
  at::Tensor sample_prior(int64_t n, const std::vector<int64_t>& state_shape, double sigma_max,
                          const c10::Device& device, c10::optional<at::Generator> gen) const override;
  at::Tensor ode_derivative(const at::Tensor& x, const at::Tensor& denoised, double sigma) const override;
  const EdmDiffusionOptions& options() const { return o_; }

 private:
  EdmDiffusionOptions o_;
};

}  // namespace disco
