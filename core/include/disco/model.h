// Model: everything one DisCo-Diff run trains, built from a domain and a config.
// latent.m == 0 is the plain diffusion baseline: no encoder, no prior (DESIGN.md).
#pragma once
#include <memory>

#include "disco/config.h"
#include "disco/denoiser.h"
#include "disco/diffusion.h"
#include "disco/domain.h"
#include "disco/encoder.h"
#include "disco/prior.h"

namespace disco {

// The device of a module's weights: its first parameter's (CPU for a module without parameters).
c10::Device device_of(const torch::nn::Module& module);

struct Model {
  std::shared_ptr<Encoder> encoder;     // trained weights; null when m == 0
  std::shared_ptr<Encoder> ema_encoder; // EMA of `encoder` (train.ema_encoder); null when off or m == 0
  std::shared_ptr<Denoiser> denoiser;   // trained weights
  std::shared_ptr<Denoiser> ema;        // exponential moving average of `denoiser`, used for sampling
  std::shared_ptr<Prior> prior;         // null when m == 0
  std::shared_ptr<Diffusion> diffusion;
  int64_t m = 0, k = 0;

  bool has_latents() const { return m > 0; }
  // The encoder whose codes go with `ema`, the denoiser that samples: `ema_encoder` when the run keeps one, else
  // `encoder`. Everything that encodes with a trained model (stage 2, evaluation) uses this one.
  const std::shared_ptr<Encoder>& inference_encoder() const { return ema_encoder ? ema_encoder : encoder; }
  // Seeds LibTorch's global generator with the config's `seed`, then builds every module: the same config
  // gives the same initial weights in every process.
  static Model build(const Domain& domain, const Config& config);
  // The prior alone, freshly initialised from LibTorch's global generator: the domain's (Domain::make_prior) or
  // else the core's AR prior over m latents of k codes.
  static std::shared_ptr<Prior> build_prior(const Domain& domain, const Config& config);
  // Moves every module to `device`.
  void to(const c10::Device& device);
};

}  // namespace disco
