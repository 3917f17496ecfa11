// Heun's second-order method on the probability-flow ODE (Karras et al. 2022, Alg. 1, deterministic):
// an Euler step followed by a trapezoidal correction, except on the last step to sigma = 0.
// 2N - 1 network evaluations for N steps.
#include <ATen/ATen.h>


#include "disco/time_steps.h"
#include "samplers/samplers.h"

namespace disco {
namespace {

class HeunSampler : public Sampler {
 public:
  std::string name() const override { return "heun"; }
  at::Tensor sample(const Diffusion& diffusion, const DenoiseFn& denoise, at::Tensor x, const SamplerOptions& o,
                    Trajectory* trajectory, const Reporter& reporter, c10::optional<at::Generator>) const override {
    const auto t = edm_time_steps(o.steps, o.sigma_min, o.sigma_max, o.rho);
    const StepProgress progress(reporter, name(), o.steps);
    record(trajectory, t[0], x);
    for (int64_t i = 0; i < o.steps; ++i) {
      x = heun_step(diffusion, denoise, x, t[i], t[i + 1]);
      record(trajectory, t[i + 1], x);
      progress(i + 1);
    }
    return x;
  }
};

}  // namespace

std::unique_ptr<Sampler> make_heun_sampler(const Config&) { return std::make_unique<HeunSampler>(); }

}  // namespace disco
