// Restart sampling (Xu et al. 2023, "Restart sampling for improving generative processes"): the main
// trajectory is the deterministic Heun ODE; at each restart interval [N_restart, K, t_min, t_max] the sample,
// once it reaches t_min, is K times pushed forward to t_max with fresh noise (x + S_noise sqrt(t_max^2 -
// t_min^2) eps) and brought back to t_min with N_restart Heun steps. The large forward noise contracts the
// accumulated discretisation error; the ODE keeps each pass cheap.
#include <ATen/ATen.h>

#include <cmath>

#include "disco/time_steps.h"
#include "samplers/samplers.h"

namespace disco {
namespace {

class RestartSampler : public Sampler {
 public:
  RestartSampler(std::vector<RestartInterval> intervals, double s_noise)
      : intervals_(std::move(intervals)), s_noise_(s_noise) {}
  std::string name() const override { return "restart"; }

  at::Tensor sample(const Diffusion& diffusion, const DenoiseFn& denoise, at::Tensor x, const SamplerOptions& o,
                    Trajectory* trajectory, const Reporter& reporter, c10::optional<at::Generator> gen) const override {
    const auto t = edm_time_steps(o.steps, o.sigma_min, o.sigma_max, o.rho);
    // Each interval restarts from the main-schedule level closest to its t_min.
    std::vector<std::vector<const RestartInterval*>> at_step(t.size());
    for (const auto& r : intervals_) {
      size_t best = 0;
      for (size_t j = 0; j + 1 < t.size(); ++j)
        if (std::abs(std::log(t[j]) - std::log(r.t_min)) < std::abs(std::log(t[best]) - std::log(r.t_min))) best = j;
      at_step[best].push_back(&r);
    }
    const StepProgress progress(reporter, name(), o.steps);
    record(trajectory, t[0], x);
    for (int64_t i = 0; i < o.steps; ++i) {
      x = heun_step(diffusion, denoise, x, t[i], t[i + 1]);
      record(trajectory, t[i + 1], x);
      for (const RestartInterval* r : at_step[i + 1]) {
        const double t_min = t[i + 1];
        // N_restart Heun steps from t_max down to t_min (the schedule's trailing 0 is not used).
        const auto back = edm_time_steps(r->n_steps + 1, t_min, r->t_max, o.rho);
        for (int64_t k = 0; k < r->k; ++k) {
          x = x + s_noise_ * std::sqrt(r->t_max * r->t_max - t_min * t_min) * at::randn(x.sizes(), gen, x.options());
          for (int64_t j = 0; j < r->n_steps; ++j) x = heun_step(diffusion, denoise, x, back[j], back[j + 1]);
        }
      }
      progress(i + 1);
    }
    return x;
  }

 private:
  std::vector<RestartInterval> intervals_;
  double s_noise_;
};

}  // namespace

std::unique_ptr<Sampler> make_restart_sampler(const Config& config) {
  return std::make_unique<RestartSampler>(restart_intervals(config), churn_options(config).s_noise);
}

}  // namespace disco
