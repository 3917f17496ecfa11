#include "vit.h"

#include <ATen/ATen.h>
#include <cmath>
#include <torch/nn/init.h>

#include "blocks.h"
#include "disco/error.h"

namespace disco::image {

ViTEncoderImpl::ViTEncoderImpl(ViTEncoderOptions o) : options(o) {
  check_divisible(o.width(), "model.encoder_width", o.heads(), "model.encoder_heads");
  if (o.patch() < 1 || o.resolution() % o.patch() != 0)
    throw ConfigError("model.encoder_patch (" + std::to_string(o.patch()) + ") must divide data.resolution (" +
                      std::to_string(o.resolution()) + ")");
  const int64_t side = o.resolution() / o.patch();
  patch_embed_ = register_module("patch_embed", torch::nn::Linear(o.in_channels() * o.patch() * o.patch(), o.width()));
  extra_tokens_ = register_parameter("extra_tokens", at::randn({o.m(), o.width()}) * 0.02);
  position_ = register_parameter("position", at::randn({side * side, o.width()}) * 0.02);
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.layers(); ++i) blocks_->push_back(TransformerBlock(o.width(), o.heads()));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.width()})));
  torch::NoGradGuard no_grad;
  if (o.head_per_latent()) {
    // Linear's default start (uniform in +-1/sqrt(width)), for each latent's head.
    const double bound = 1.0 / std::sqrt(double(o.width()));
    head_weight_ = register_parameter("head_weight", at::empty({o.m(), o.k(), o.width()}).uniform_(-bound, bound) * o.init_scale());
    if (!o.logit_norm()) head_bias_ = register_parameter("head_bias", at::zeros({o.m(), o.k()}));
  } else {
    head_ = register_module("head", torch::nn::Linear(torch::nn::LinearOptions(o.width(), o.k()).bias(!o.logit_norm())));
    head_->weight.mul_(o.init_scale());
    if (head_->bias.defined()) head_->bias.zero_();
  }
}

at::Tensor ViTEncoderImpl::latent_features(const at::Tensor& images) {
  const int64_t b = images.size(0), c = images.size(1), p = options.patch(), side = options.resolution() / p;
  if (images.size(2) != options.resolution() || images.size(3) != options.resolution())
    throw DataError("encoder: expected " + std::to_string(options.resolution()) + "x" +
                    std::to_string(options.resolution()) + " images, got " + std::to_string(images.size(2)) + "x" +
                    std::to_string(images.size(3)));
  // [B, C, H, W] -> [B, side*side, C*p*p]: row-major patches.
  auto patches = images.reshape({b, c, side, p, side, p}).permute({0, 2, 4, 1, 3, 5}).reshape({b, side * side, c * p * p});
  auto tokens = patch_embed_(patches) + position_.unsqueeze(0);
  auto h = at::cat({extra_tokens_.unsqueeze(0).expand({b, options.m(), options.width()}), tokens}, 1);
  for (const auto& block : *blocks_) h = block->as<TransformerBlockImpl>()->forward(h);
  return norm_(h.narrow(1, 0, options.m()));
}

EncoderOutput ViTEncoderImpl::encode(const Batch& clean) {
  auto h = latent_features(clean.at("x"));  // [B, m, width]
  const at::Tensor w = options.head_per_latent() ? head_weight_ : head_->weight;  // [m, k, width] or [k, width]
  auto logits = [&](const at::Tensor& features, const at::Tensor& weights) {
    return options.head_per_latent() ? at::einsum("bmw,mkw->bmk", {features, weights}) : at::matmul(features, weights.t());
  };
  if (!options.logit_norm()) return {logits(h, w) + (options.head_per_latent() ? head_bias_ : head_->bias), {}};
  auto hn = h / h.norm(2, -1, true).clamp_min(1e-6);
  auto wn = w / w.norm(2, -1, true).clamp_min(1e-6);
  return {logits(hn, wn) * options.logit_scale(), {}};
}

}  // namespace disco::image
