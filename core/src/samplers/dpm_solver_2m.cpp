// DPM-Solver++(2M) (Lu et al. 2022): a second-order multistep solver of the probability-flow ODE in data
// prediction form, with lambda = -ln(sigma) as the time variable. One network evaluation per step (the
// previous step's D gives the second-order term), so at equal NFE it takes twice as many steps as Heun.
//   first step / last step:  x' = (s'/s) x + (1 - s'/s) D_i
//   otherwise:               x' = (s'/s) x + (1 - s'/s) [(1 + 1/(2r)) D_i - 1/(2r) D_{i-1}],  r = h_{i-1} / h_i
#include <ATen/ATen.h>

#include <cmath>

#include "disco/time_steps.h"
#include "samplers/samplers.h"

namespace disco {
namespace {

class DpmSolver2mSampler : public Sampler {
 public:
  std::string name() const override { return "dpm-solver-2m"; }
  at::Tensor sample(const Diffusion&, const DenoiseFn& denoise, at::Tensor x, const SamplerOptions& o,
                    Trajectory* trajectory, const Reporter& reporter, c10::optional<at::Generator>) const override {
    const auto t = edm_time_steps(o.steps, o.sigma_min, o.sigma_max, o.rho);
    const StepProgress progress(reporter, name(), o.steps);
    record(trajectory, t[0], x);
    at::Tensor d_prev;
    double h_prev = 0;
    for (int64_t i = 0; i < o.steps; ++i) {
      auto d = denoise(x, t[i]);
      if (t[i + 1] == 0) {
        x = d;  // the last step lands on the denoised estimate
      } else {
        const double h = std::log(t[i]) - std::log(t[i + 1]);
        const double ratio = t[i + 1] / t[i];
        at::Tensor d_eff = d;
        if (d_prev.defined()) {
          const double r = h_prev / h;
          d_eff = (1 + 1 / (2 * r)) * d - (1 / (2 * r)) * d_prev;
        }
        x = ratio * x + (1 - ratio) * d_eff;
        h_prev = h;
      }
      d_prev = d;
      record(trajectory, t[i + 1], x);
      progress(i + 1);
    }
    return x;
  }
};

}  // namespace

std::unique_ptr<Sampler> make_dpm_solver_2m_sampler(const Config&) { return std::make_unique<DpmSolver2mSampler>(); }

}  // namespace disco
