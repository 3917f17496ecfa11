// The image encoder (paper App. D.1): a ViT whose input is the clean image cut into patches plus m learnable
// extra tokens (like ViT's class token, one per latent); extra token i's output gives latent i's logits.
// Optional cosine logits (encoder_logit_norm): the token and every code's head vector are L2-normalised, so
// the logits are bounded by `logit_scale` and cannot saturate the softmax. The logit head is shared by the m
// latents, or one per latent (head_per_latent).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "disco/encoder.h"

namespace disco::image {

struct ViTEncoderOptions {
  ViTEncoderOptions(int64_t in_channels, int64_t resolution, int64_t m, int64_t k)
      : in_channels_(in_channels), resolution_(resolution), m_(m), k_(k) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, resolution);
  TORCH_ARG(int64_t, m);
  TORCH_ARG(int64_t, k);
  TORCH_ARG(int64_t, width) = 32;
  TORCH_ARG(int64_t, layers) = 1;
  TORCH_ARG(int64_t, heads) = 2;
  TORCH_ARG(int64_t, patch) = 7;
  TORCH_ARG(double, init_scale) = 1.0;   // scale of the logit head's initial weights
  TORCH_ARG(bool, logit_norm) = false;   // cosine logits
  TORCH_ARG(double, logit_scale) = 10.0;
  // One logit head per latent ([m, k, width]) instead of one head all latents share: with a shared head code j
  // is the same direction for every latent, so the latents compete for the same codes.
  TORCH_ARG(bool, head_per_latent) = false;
};

class ViTEncoderImpl : public Encoder {
 public:
  explicit ViTEncoderImpl(ViTEncoderOptions options);
  EncoderOutput encode(const Batch& clean) override;
  // The outputs of the m extra tokens, [B, m, width], after the final LayerNorm.
  at::Tensor latent_features(const at::Tensor& images);

  ViTEncoderOptions options;

 private:
  torch::nn::Linear patch_embed_{nullptr}, head_{nullptr};  // head_: the shared head
  at::Tensor head_weight_, head_bias_;  // head_per_latent: [m, k, width], [m, k] (no bias with cosine logits)
  at::Tensor extra_tokens_, position_;  // [m, width], [patches, width]
  torch::nn::ModuleList blocks_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(ViTEncoder);

}  // namespace disco::image
