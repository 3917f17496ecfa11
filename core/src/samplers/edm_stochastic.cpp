// EDM stochastic sampler (Karras et al. 2022, Alg. 2): at each step, "churn" raises the noise level from t_i to
// t_hat = (1 + gamma) t_i by adding fresh noise, then takes a Heun step from t_hat to t_{i+1}.
// gamma = min(S_churn / N, sqrt(2) - 1) inside [S_min, S_max], else 0. S_churn = 0 is the deterministic Heun.
#include <ATen/ATen.h>

#include <cmath>

#include "disco/time_steps.h"
#include "samplers/samplers.h"

namespace disco {
namespace {

class EdmStochasticSampler : public Sampler {
 public:
  explicit EdmStochasticSampler(ChurnOptions c) : c_(c) {}
  std::string name() const override { return "edm-stochastic"; }
  at::Tensor sample(const Diffusion& diffusion, const DenoiseFn& denoise, at::Tensor x, const SamplerOptions& o,
                    Trajectory* trajectory, const Reporter& reporter, c10::optional<at::Generator> gen) const override {
    const auto t = edm_time_steps(o.steps, o.sigma_min, o.sigma_max, o.rho);
    const StepProgress progress(reporter, name(), o.steps);
    record(trajectory, t[0], x);
    const double gamma_max = std::min(c_.s_churn / double(o.steps), std::sqrt(2.0) - 1.0);
    for (int64_t i = 0; i < o.steps; ++i) {
      const double gamma = (t[i] >= c_.s_min && t[i] <= c_.s_max) ? gamma_max : 0.0;
      const double t_hat = t[i] * (1 + gamma);
      if (gamma > 0) x = x + std::sqrt(t_hat * t_hat - t[i] * t[i]) * c_.s_noise * at::randn(x.sizes(), gen, x.options());
      x = heun_step(diffusion, denoise, x, t_hat, t[i + 1]);
      record(trajectory, t[i + 1], x);
      progress(i + 1);
    }
    return x;
  }

 private:
  ChurnOptions c_;
};

}  // namespace

std::unique_ptr<Sampler> make_edm_stochastic_sampler(const Config& config) {
  return std::make_unique<EdmStochasticSampler>(churn_options(config));
}

}  // namespace disco
