// The image denoiser: an EDM-style U-Net (DDPM++/ADM family; Karras et al. 2022) with cross-attention to the
// discrete latents (paper App. D.1) and EDM preconditioning (Table 1 of EDM; paper Eq. 3):
//    D(x; sigma, z, c) = c_skip x + c_out F(c_in x; c_noise, z, c)
//  - residual blocks with GroupNorm, the noise (+ class) embedding entering each block as scale and shift;
//  - self-attention at `attn_resolutions`, each followed by a cross-attention layer whose keys and values are
//    the latent tokens;
//  - latent tokens: disco::LatentEmbedding (one codebook per latent + the learnable null embedding used for
//    dropped latents, Sec. 3.1) and a small Transformer over the m embeddings;
//  - group-hierarchical latents (Sec. 3.3): with latent_groups = G > 1 the m latents form G groups of m / G;
//    group g feeds only up-branch level g (0 = lowest resolution), through one cross-attention after every
//    residual block of that level, and the token Transformer never mixes groups. Down branch and middle then
//    have no cross-attention.
//  - latent_entry = embedding (or both): the m tokens, flattened, also enter the noise embedding through a
//    linear map, as a class label does (a global path into every residual block, no attention needed);
//  m = 0 is the EDM baseline: the identical U-Net without the latent path.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "disco/denoiser.h"
#include "disco/edm.h"
#include "disco/latent_embedding.h"

namespace disco::image {

struct UNetOptions {
  UNetOptions(int64_t channels_in, int64_t resolution) : in_channels_(channels_in), resolution_(resolution) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, resolution);
  TORCH_ARG(int64_t, channels) = 16;
  TORCH_ARG(std::vector<int64_t>, channel_mult) = std::vector<int64_t>{1, 2};
  TORCH_ARG(int64_t, blocks) = 1;
  TORCH_ARG(std::vector<int64_t>, attn_resolutions) = std::vector<int64_t>{14};
  TORCH_ARG(int64_t, heads) = 2;
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(int64_t, num_classes) = 0;  // 0 = unconditional; otherwise Batch key "label" [B] int64
  TORCH_ARG(int64_t, m) = 0;
  TORCH_ARG(int64_t, k) = 1;
  TORCH_ARG(int64_t, latent_width) = 32;
  TORCH_ARG(int64_t, latent_layers) = 1;
  TORCH_ARG(int64_t, latent_groups) = 1;
 public:
  // Where the latent tokens enter the U-Net: the cross-attention layers (the paper's choice), the noise
  // embedding (flattened tokens through a linear map, added like a class embedding: every residual block's
  // GroupNorm scale and shift sees them), or both.
  enum class LatentEntry { kCrossAttention, kEmbedding, kBoth };
  TORCH_ARG(LatentEntry, latent_entry) = LatentEntry::kCrossAttention;
  TORCH_ARG(double, sigma_data) = 0.5;
};

class UNetImpl : public Denoiser {
 public:
  explicit UNetImpl(UNetOptions options);
  // noisy.at("x"): [B, C, H, W]; sigma: [B]; z: latents [B, m, k] (empty with m > 0: the null embedding).
  at::Tensor denoise(const Batch& noisy, const at::Tensor& sigma, const Latents& z) override;
  // F's output and, when `level_outputs` is given, the feature map after each up-branch level (lowest
  // resolution first); for tests of the group routing.
  at::Tensor raw(const at::Tensor& x_in, const at::Tensor& c_noise, const at::Tensor& labels, const Latents& z,
                 std::vector<at::Tensor>* level_outputs = nullptr);
  // The latent tokens [B, m, latent_width] the cross-attention layers read.
  at::Tensor latent_tokens(const Latents& z, int64_t batch);
  // For every cross-attention layer, in forward order: the latents it reads as [first, count).
  std::vector<std::pair<int64_t, int64_t>> routing() const;

  UNetOptions options;

 private:
  struct Layer {  // one step of the forward pass
    enum Kind { kRes, kSelfAttn, kCrossAttn, kDown, kUp } kind;
    int64_t module;            // index into the ModuleList of its kind
    int64_t token_first = 0, token_count = 0;  // cross-attention: which latents
    bool push_skip = false;    // down branch: keep the output for the up branch
    bool pop_skip = false;     // up branch res block: concatenate a skip first
    int64_t end_of_up_level = -1;  // >= 0: the last layer of up level (lowest resolution = 0)
  };
  EdmPrecond precond_;
  at::Tensor fourier_;  // fixed frequencies of the noise embedding (a buffer)
  torch::nn::Sequential noise_mlp_{nullptr};
  torch::nn::Embedding class_embedding_{nullptr};
  torch::nn::Linear latent_to_embedding_{nullptr};  // latent_entry embedding/both: [m * latent_width] -> emb
  torch::nn::Conv2d stem_{nullptr};
  torch::nn::ModuleList res_{nullptr}, self_attn_{nullptr}, cross_attn_{nullptr}, down_{nullptr}, up_{nullptr};
  torch::nn::Sequential out_{nullptr};
  LatentEmbedding embedding_{nullptr};
  at::Tensor token_position_;  // [m, latent_width]
  torch::nn::ModuleList token_transformer_{nullptr};
  std::vector<Layer> layers_;
};
TORCH_MODULE(UNet);

}  // namespace disco::image
