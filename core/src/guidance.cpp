#include "disco/host/guidance.h"

#include <ATen/ATen.h>

namespace disco {

at::Tensor apply_guidance(const at::Tensor& d_cond, const at::Tensor& d_uncond, double w) {
  return d_cond * w + d_uncond * (1.0 - w);
}

DenoiseFn make_guided_denoise_fn(std::shared_ptr<Denoiser> denoiser, const Diffusion& diffusion, Batch cond,
                                 Latents z, double w, int64_t* nfe) {
  const std::string key = diffusion.state_key();
  return [denoiser, key, cond = std::move(cond), z = std::move(z), w, nfe](const at::Tensor& x, double sigma) {
    auto s = at::full({x.size(0)}, sigma, x.options());
    auto noisy = cond.with(key, x);
    noisy.size = x.size(0);
    auto d = denoiser->denoise(noisy, s, z);
    if (nfe) *nfe += 1;
    if (z.empty() || w == 1.0) return d;
    auto d_null = denoiser->denoise(noisy, s, z.all_dropped());
    if (nfe) *nfe += 1;
    return apply_guidance(d, d_null, w);
  };
}

}  // namespace disco
