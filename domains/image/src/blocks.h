// Building blocks shared by the U-Net denoiser and the ViT encoder: multi-head attention, a pre-LayerNorm
// Transformer block (optionally confined to groups of tokens), GroupNorm with a valid group count.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace disco::image {

// GroupNorm with up to 32 groups (EDM/ADM use 32), reduced to a divisor of `channels`.
torch::nn::GroupNorm group_norm(int64_t channels);

// Multi-head scaled dot-product attention: q [B, Lq, W], k and v [B, Lk, W] -> [B, Lq, W].
at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads);

// Throws ConfigError "<width_key> (W) must be divisible by <heads_key> (H)".
void check_divisible(int64_t width, const std::string& width_key, int64_t heads, const std::string& heads_key);

// Pre-LayerNorm Transformer block over tokens [B, L, W]. With groups > 1 the L tokens are split into that
// many consecutive groups that attend only within themselves (group-hierarchical latents stay apart).
class TransformerBlockImpl : public torch::nn::Module {
 public:
  TransformerBlockImpl(int64_t width, int64_t heads, int64_t groups = 1);
  at::Tensor forward(at::Tensor x);

 private:
  int64_t heads_, groups_;
  torch::nn::LayerNorm norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Linear qkv_{nullptr}, proj_{nullptr}, fc1_{nullptr}, fc2_{nullptr};
};
TORCH_MODULE(TransformerBlock);

}  // namespace disco::image
