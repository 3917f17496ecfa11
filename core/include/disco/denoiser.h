// Denoiser D(x_sigma; sigma, z, c) (paper Eq. 3). For the core's EdmDiffusion the output is the denoised
// estimate of the clean state (EDM notation); a domain with its own Diffusion may define another meaning.
#pragma once
#include <torch/nn/module.h>

#include "disco/batch.h"
#include "disco/latents.h"

namespace disco {

class Denoiser : public torch::nn::Module {
 public:
  // noisy: the batch with the state replaced by x_sigma; sigma: [B]; z: latents (empty when m == 0).
  virtual at::Tensor denoise(const Batch& noisy, const at::Tensor& sigma, const Latents& z) = 0;
};

}  // namespace disco
