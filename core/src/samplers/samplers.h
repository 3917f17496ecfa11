// Internal: factories of the core's samplers, registered by register_core_components().
#pragma once
#include <memory>

#include "disco/config.h"
#include "disco/sampler.h"

namespace disco {

std::unique_ptr<Sampler> make_euler_sampler(const Config& config);
std::unique_ptr<Sampler> make_heun_sampler(const Config& config);

// Shared by the ODE samplers: records x at sigma when a trajectory is requested.
inline void record(Trajectory* trajectory, double sigma, const at::Tensor& x) {
  if (!trajectory) return;
  trajectory->sigmas.push_back(sigma);
  trajectory->states.push_back(x.detach().to(c10::kCPU));
}

}  // namespace disco
