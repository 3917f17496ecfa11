// Sampler: integrates the probability-flow ODE (or SDE) of a Diffusion from sigma_max to 0 against a
// denoise function, so every sampler serves every domain whose Diffusion is Euclidean.
#pragma once
#include <ATen/core/Tensor.h>
#include <ATen/core/Generator.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "disco/diffusion.h"
#include "disco/progress.h"

namespace disco {

// D(x; sigma) with conditioning and guidance already applied (see guidance.h). Counts its own NFE.
using DenoiseFn = std::function<at::Tensor(const at::Tensor& x, double sigma)>;

struct SamplerOptions {
  int64_t steps = 50;
  double sigma_min = 0.002;
  double sigma_max = 80.0;
  double rho = 7.0;
};

// Optional record of the states visited: states[i] is x at sigmas[i].
struct Trajectory {
  std::vector<double> sigmas;
  std::vector<at::Tensor> states;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::string name() const = 0;
  // x_init: a draw from the prior at options.sigma_max.
  virtual at::Tensor sample(const Diffusion& diffusion, const DenoiseFn& denoise, at::Tensor x_init,
                            const SamplerOptions& options, Trajectory* trajectory, const Reporter& reporter,
                            c10::optional<at::Generator> gen) const = 0;
};

}  // namespace disco
