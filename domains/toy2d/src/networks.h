// toy2d networks (paper App. F.2).
//  Denoiser: G(x, t, z) = (F(z) - x) / (t^2 + sigma_1^2) + H(x, t), the score of a Gaussian around the latent's
//  embedding F(z) plus a 4-layer MLP H. The ODE velocity is dx/dt = -t G and D(x; t) = x + t^2 G.
//  The baseline (m = 0) is the same network minus the latent path: F(z) becomes one learnable point.
//  Encoder: 3-layer MLP from a data point to logits [B, m, k].
#pragma once
#include <torch/nn/modules/container/sequential.h>

#include "disco/denoiser.h"
#include "disco/edm.h"
#include "disco/encoder.h"
#include "disco/latent_embedding.h"

namespace disco::toy2d {

class Toy2dDenoiserImpl : public Denoiser {
 public:
  Toy2dDenoiserImpl(int64_t m, int64_t k, int64_t hidden, double component_sigma, double sigma_data,
                    double codebook_init, double codebook_lr_scale = 1.0);
  at::Tensor denoise(const Batch& noisy, const at::Tensor& sigma, const Latents& z) override;
  // G(x, t, z) for x [B, 2], t [B].
  at::Tensor score(const at::Tensor& x, const at::Tensor& t, const Latents& z);
  // The network's part of the score alone, c_in H(c_in x, c_noise): what is left after the Gaussian term.
  at::Tensor learned_term(const at::Tensor& x, const at::Tensor& t);
  // Sets F(z) of each code to the given points [k, 2] (m > 0; with m latents each contributes 1/m).
  void set_code_centres(const at::Tensor& centres);

 private:
  int64_t m_;
  double component_sigma_;
  double codebook_scale_;               // F(z) = codebook_scale_ * embedding_(z); see the constructor
  EdmPrecond precond_;
  LatentEmbedding embedding_{nullptr};  // F(z): one 2-D point per code (m > 0)
  at::Tensor baseline_center_;          // F for m = 0
  torch::nn::Sequential h_{nullptr};
};

class Toy2dEncoderImpl : public Encoder {
 public:
  Toy2dEncoderImpl(int64_t m, int64_t k, int64_t hidden, double init_scale = 1.0);
  EncoderOutput encode(const Batch& clean) override;

 private:
  int64_t m_, k_;
  torch::nn::Sequential net_{nullptr};
};

}  // namespace disco::toy2d
