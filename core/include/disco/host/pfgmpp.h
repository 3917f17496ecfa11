// PFGM++ (Xu et al. 2023, "PFGM++: Unlocking the potential of physics-inspired generative models") as a
// perturbation kernel for Euclidean states: with N = state dimension and augmented dimension D,
//   p_r(x | y) ∝ 1 / (|x - y|^2 + r^2)^((N + D) / 2),   r = sigma sqrt(D)   (the alignment with EDM).
// A draw is x = y + R u with u uniform on the sphere and R^2 = r^2 b / (1 - b), b ~ Beta(N/2, D/2).
// With r = sigma sqrt(D) the probability-flow ODE reads dx/dsigma = (x - D(x; sigma)) / sigma, exactly EDM's,
// so every EDM sampler applies unchanged; D -> infinity recovers EDM's Gaussian kernel.
#pragma once
#include "disco/diffusion.h"

namespace disco {

class PfgmppDiffusion : public EdmDiffusion {
 public:
  PfgmppDiffusion(EdmDiffusionOptions o, double augmented_dim) : EdmDiffusion(std::move(o)), d_(augmented_dim) {}
  std::string name() const override { return "pfgmpp"; }
  Batch perturb(const Batch& clean, const at::Tensor& sigma, c10::optional<at::Generator> gen) const override;
  at::Tensor sample_prior(int64_t n, const std::vector<int64_t>& state_shape, double sigma_max,
                          const c10::Device& device, c10::optional<at::Generator> gen) const override;
  double augmented_dim() const { return d_; }

  // Kernel noise for n examples of shape `shape` at noise levels sigma [n]: x_sigma - y.
  at::Tensor kernel_noise(const std::vector<int64_t>& shape, const at::Tensor& sigma, const c10::Device& device,
                          c10::optional<at::Generator> gen) const;

 private:
  double d_;
};

}  // namespace disco
