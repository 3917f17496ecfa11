// signal1d networks.
//  Denoiser, with EDM preconditioning (Karras et al. 2022, Table 1; paper Eq. 3):
//    D(x; sigma, z) = c_skip x + c_out F(c_in x; c_noise, z)
//  F is a 1-D conv net: a stem conv, `blocks` residual blocks whose dilations double (1, 2, 4, ...) so the
//  receptive field spans the signal, the noise level entering each block as a scale and shift (FiLM), each
//  block followed by cross-attention from every position to the m latent tokens (disco::LatentEmbedding,
//  whose learnable null embedding serves the dropped latents of classifier-free guidance, Sec. 3.1), then an
//  output conv. The baseline (m = 0) is the same network without the cross-attention.
//  Encoder: the clean signal cut into patches plus m learnable query tokens through a small Transformer;
//  query token i's output gives latent i's logits, [B, m, k].
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "disco/denoiser.h"
#include "disco/edm.h"
#include "disco/encoder.h"
#include "disco/latent_embedding.h"

namespace disco::signal1d {

struct SignalDenoiserOptions {
  SignalDenoiserOptions(int64_t m, int64_t k) : m_(m), k_(k) {}
  TORCH_ARG(int64_t, m);
  TORCH_ARG(int64_t, k);
  TORCH_ARG(int64_t, channels) = 32;   // feature channels of every conv
  TORCH_ARG(int64_t, blocks) = 5;      // residual blocks (dilation 2^i)
  TORCH_ARG(int64_t, heads) = 2;       // cross-attention heads; must divide channels
  TORCH_ARG(double, sigma_data) = 0.5;
};

class SignalDenoiserImpl : public Denoiser {
 public:
  explicit SignalDenoiserImpl(SignalDenoiserOptions options);
  // noisy.at("x"): [B, L]; sigma: [B]; z: [B, m, k] latents (empty: the null embedding when m > 0).
  at::Tensor denoise(const Batch& noisy, const at::Tensor& sigma, const Latents& z) override;

  SignalDenoiserOptions options;

 private:
  EdmPrecond precond_;
  torch::nn::Conv1d stem_{nullptr};
  torch::nn::Sequential noise_mlp_{nullptr};
  torch::nn::ModuleList blocks_{nullptr}, attention_{nullptr};
  LatentEmbedding embedding_{nullptr};  // m > 0 only
  torch::nn::Linear latent_film_{nullptr};  // m > 0 only: the mean latent token, added to the noise embedding
  torch::nn::Sequential out_{nullptr};
  at::Tensor fourier_;                  // fixed frequencies of the c_noise embedding (a buffer)
};
TORCH_MODULE(SignalDenoiser);

struct SignalEncoderOptions {
  SignalEncoderOptions(int64_t length, int64_t m, int64_t k) : length_(length), m_(m), k_(k) {}
  TORCH_ARG(int64_t, length);
  TORCH_ARG(int64_t, m);
  TORCH_ARG(int64_t, k);
  TORCH_ARG(int64_t, width) = 32;
  TORCH_ARG(int64_t, layers) = 2;
  TORCH_ARG(int64_t, heads) = 2;
  TORCH_ARG(int64_t, patch) = 8;       // samples per token; the last patch is zero-padded
  TORCH_ARG(double, sigma_data) = 0.5;  // the input is divided by it
};

class SignalEncoderImpl : public Encoder {
 public:
  explicit SignalEncoderImpl(SignalEncoderOptions options);
  EncoderOutput encode(const Batch& clean) override;

  SignalEncoderOptions options;

 private:
  torch::nn::Linear patch_embed_{nullptr}, head_{nullptr};
  at::Tensor queries_, position_;       // [m, width], [patches, width]
  torch::nn::ModuleList blocks_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(SignalEncoder);

}  // namespace disco::signal1d
