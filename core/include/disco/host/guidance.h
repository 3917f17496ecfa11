// Classifier-free guidance over latents (paper Alg. 3): D~ = w D(x; z) + (1 - w) D(x; null).
// w = 1 is the paper's best setting and costs one network pass; any other w costs two.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>

#include "disco/batch.h"
#include "disco/denoiser.h"
#include "disco/diffusion.h"
#include "disco/latents.h"
#include "disco/sampler.h"

namespace disco {

at::Tensor apply_guidance(const at::Tensor& d_cond, const at::Tensor& d_uncond, double w);

// Wraps a denoiser, fixed conditions and latents into a DenoiseFn. `nfe` (optional) counts network
// passes: +1 per call when w == 1 or there are no latents, +2 otherwise.
DenoiseFn make_guided_denoise_fn(std::shared_ptr<Denoiser> denoiser, const Diffusion& diffusion, Batch cond,
                                 Latents z, double w, int64_t* nfe);

}  // namespace disco
