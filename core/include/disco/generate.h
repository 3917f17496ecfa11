// Sampling a trained model (paper Alg. 3): z ~ AR prior (temperature, top-k) or fixed latents, then the
// chosen sampler on the guided denoiser.
#pragma once
#include <ATen/core/Tensor.h>
#include <ATen/core/Generator.h>

#include <string>

#include "disco/batch.h"
#include "disco/model.h"
#include "disco/registry.h"
#include "disco/sampler.h"

namespace disco {

struct GenerateOptions {
  int64_t n = 1000;
  int64_t batch_size = 4096;        // samples per sampler call (memory bound)
  std::string sampler = "heun";
  SamplerOptions sampler_options;
  double cfg = 1.0;                 // guidance weight w over latents
  double prior_temperature = 1.0;
  int64_t prior_top_k = 0;
  at::Tensor fixed_latents;         // [m] or [n, m] int64: use these instead of the prior
  // Conditions of the n samples instead of Domain::sample_conditions (size == n; e.g. the labels of the test
  // images whose encoded latents are in fixed_latents). Unused while its size is 0.
  Batch fixed_cond;
  bool record_trajectory = false;
  uint64_t seed = 0;
};

struct SampleSet {
  at::Tensor x;         // [n, state_shape...]
  at::Tensor latents;   // [n, m] int64; undefined when m == 0
  Batch cond;           // the conditions used
  int64_t nfe = 0;      // network passes per sample (guidance counts double)
  Trajectory trajectory;  // when record_trajectory
};

SampleSet generate(Model& model, const Domain& domain, const Registry& registry, const Config& config,
                   const GenerateOptions& options, const Reporter& reporter);

// The generate options a config asks for ([sample] keys in schemas/core.toml).
GenerateOptions generate_options_from_config(const Config& config);

}  // namespace disco
