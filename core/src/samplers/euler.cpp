// Euler's method on the probability-flow ODE with EDM time steps (Karras et al. 2022, Alg. 1 without the
// second-order correction). One network evaluation per step.
#include <ATen/ATen.h>


#include "disco/time_steps.h"
#include "samplers/samplers.h"

namespace disco {
namespace {

class EulerSampler : public Sampler {
 public:
  std::string name() const override { return "euler"; }
  at::Tensor sample(const Diffusion& diffusion, const DenoiseFn& denoise, at::Tensor x, const SamplerOptions& o,
                    Trajectory* trajectory, const Reporter& reporter, c10::optional<at::Generator>) const override {
    const auto t = edm_time_steps(o.steps, o.sigma_min, o.sigma_max, o.rho);
    const StepProgress progress(reporter, name(), o.steps);
    record(trajectory, t[0], x);
    for (int64_t i = 0; i < o.steps; ++i) {
      auto d = diffusion.ode_derivative(x, denoise(x, t[i]), t[i]);
      x = x + (t[i + 1] - t[i]) * d;
      record(trajectory, t[i + 1], x);
      progress(i + 1);
    }
    return x;
  }
};

}  // namespace

std::unique_ptr<Sampler> make_euler_sampler(const Config&) { return std::make_unique<EulerSampler>(); }

}  // namespace disco
