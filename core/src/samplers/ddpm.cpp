// DDPM-style ancestral sampling in the VP parameterisation (Ho et al. 2020; EDM Table 1, "VP"): noise levels
// follow the VP schedule sigma(t) = sqrt(exp(beta_d t^2 / 2 + beta_min t) - 1) at uniformly spaced t, and each
// step draws from the Gaussian posterior q(x_s | x_t, x_0 = D(x_t)). The update is written on the VE-scaled
// state x = x_vp sqrt(1 + sigma^2), where it reads
//   x_s = D + (sigma_s^2 / sigma_t^2)(x_t - D) + sigma_s sqrt(1 - sigma_s^2 / sigma_t^2) eps.
#include <ATen/ATen.h>

#include <cmath>

#include "samplers/samplers.h"

namespace disco {
namespace {

constexpr double kBetaD = 19.9, kBetaMin = 0.1;  // VP schedule (Song et al. 2021; EDM Table 1)

double vp_sigma(double t) { return std::sqrt(std::exp(0.5 * kBetaD * t * t + kBetaMin * t) - 1); }
double vp_time(double sigma) {  // inverse of vp_sigma
  return (std::sqrt(kBetaMin * kBetaMin + 2 * kBetaD * std::log(sigma * sigma + 1)) - kBetaMin) / kBetaD;
}

class DdpmSampler : public Sampler {
 public:
  std::string name() const override { return "ddpm"; }
  at::Tensor sample(const Diffusion&, const DenoiseFn& denoise, at::Tensor x, const SamplerOptions& o,
                    Trajectory* trajectory, const Reporter& reporter, c10::optional<at::Generator> gen) const override {
    const double t_hi = vp_time(o.sigma_max), t_lo = vp_time(o.sigma_min);
    std::vector<double> sigma(o.steps + 1, 0.0);
    for (int64_t i = 0; i < o.steps; ++i)
      sigma[i] = vp_sigma(t_hi + (o.steps == 1 ? 0.0 : double(i) / double(o.steps - 1)) * (t_lo - t_hi));
    const StepProgress progress(reporter, name(), o.steps);
    record(trajectory, sigma[0], x);
    for (int64_t i = 0; i < o.steps; ++i) {
      const double st = sigma[i], ss = sigma[i + 1];
      auto d = denoise(x, st);
      const double ratio = (ss * ss) / (st * st);
      x = d + ratio * (x - d);
      if (ss > 0) x = x + ss * std::sqrt(1 - ratio) * at::randn(x.sizes(), gen, x.options());
      record(trajectory, ss, x);
      progress(i + 1);
    }
    return x;
  }
};

}  // namespace

std::unique_ptr<Sampler> make_ddpm_sampler(const Config&) { return std::make_unique<DdpmSampler>(); }

}  // namespace disco
