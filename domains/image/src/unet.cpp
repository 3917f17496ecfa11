#include "unet.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/dropout.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "blocks.h"
#include "disco/error.h"

namespace disco::image {
namespace {

// Residual block (EDM/ADM): GN -> SiLU -> conv, then the embedding as scale and shift of the second GN,
// SiLU -> dropout -> conv; a 1x1 conv on the skip path when the channel count changes.
class ResBlockImpl : public torch::nn::Module {
 public:
  ResBlockImpl(int64_t in, int64_t out, int64_t emb_dim, double dropout) {
    norm1 = register_module("norm1", group_norm(in));
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)));
    affine = register_module("affine", torch::nn::Linear(emb_dim, 2 * out));
    norm2 = register_module("norm2", group_norm(out));
    drop = register_module("drop", torch::nn::Dropout(dropout));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(out, out, 3).padding(1)));
    if (in != out) skip = register_module("skip", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1)));
  }
  at::Tensor forward(const at::Tensor& x, const at::Tensor& emb) {
    auto h = conv1(at::silu(norm1(x)));
    auto scale_shift = affine(emb).unsqueeze(-1).unsqueeze(-1).chunk(2, 1);  // 2 x [B, C, 1, 1]
    h = at::silu(at::addcmul(scale_shift[1], norm2(h), scale_shift[0] + 1));
    h = conv2(drop(h));
    return (skip ? skip(x) : x) + h;
  }
  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, skip{nullptr};
  torch::nn::Linear affine{nullptr};
  torch::nn::Dropout drop{nullptr};
};
TORCH_MODULE(ResBlock);

// Self-attention over the H*W positions of a feature map; the result is added back.
class SelfAttentionImpl : public torch::nn::Module {
 public:
  SelfAttentionImpl(int64_t channels, int64_t heads) : heads_(heads) {
    norm = register_module("norm", group_norm(channels));
    qkv = register_module("qkv", torch::nn::Linear(channels, 3 * channels));
    proj = register_module("proj", torch::nn::Linear(channels, channels));
  }
  at::Tensor forward(const at::Tensor& x) {
    const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    auto seq = norm(x).flatten(2).transpose(1, 2);  // [B, HW, C]
    auto parts = qkv(seq).chunk(3, -1);
    auto out = proj(attend(parts[0], parts[1], parts[2], heads_));
    return x + out.transpose(1, 2).reshape({b, c, h, w});
  }
  torch::nn::GroupNorm norm{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr};

 private:
  int64_t heads_;
};
TORCH_MODULE(SelfAttention);

// Cross-attention (paper App. D.1): every position queries the latent tokens (keys and values).
class CrossAttentionImpl : public torch::nn::Module {
 public:
  CrossAttentionImpl(int64_t channels, int64_t token_width, int64_t heads) : heads_(heads) {
    norm = register_module("norm", group_norm(channels));
    q = register_module("q", torch::nn::Linear(channels, channels));
    kv = register_module("kv", torch::nn::Linear(token_width, 2 * channels));
    proj = register_module("proj", torch::nn::Linear(channels, channels));
  }
  at::Tensor forward(const at::Tensor& x, const at::Tensor& tokens) {  // x [B, C, H, W], tokens [B, n, D]
    const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    auto queries = q(norm(x).flatten(2).transpose(1, 2));  // [B, HW, C]
    auto keys_values = kv(tokens).chunk(2, -1);
    auto out = proj(attend(queries, keys_values[0], keys_values[1], heads_));
    return x + out.transpose(1, 2).reshape({b, c, h, w});
  }
  torch::nn::GroupNorm norm{nullptr};
  torch::nn::Linear q{nullptr}, kv{nullptr}, proj{nullptr};

 private:
  int64_t heads_;
};
TORCH_MODULE(CrossAttention);

}  // namespace

UNetImpl::UNetImpl(UNetOptions o) : options(o), precond_{o.sigma_data()} {
  const auto& mult = o.channel_mult();
  const int64_t levels = int64_t(mult.size()), emb_dim = 4 * o.channels();
  if (levels < 1) throw ConfigError("model.channel_mult must have at least one level");
  int64_t res = o.resolution();
  for (int64_t i = 0; i + 1 < levels; ++i, res /= 2)
    if (res % 2 != 0)
      throw ConfigError("data.resolution (" + std::to_string(o.resolution()) + ") must be halvable " +
                        std::to_string(levels - 1) + " times for model.channel_mult with " + std::to_string(levels) +
                        " levels (got an odd side of " + std::to_string(res) + ")");
  for (int64_t mlt : mult) check_divisible(o.channels() * mlt, "model.channels * channel_mult", o.heads(), "model.heads");
  const int64_t groups = o.m() > 0 ? o.latent_groups() : 1;
  const bool cross = o.latent_entry() != UNetOptions::LatentEntry::kEmbedding;
  if (o.m() > 0 && !cross && groups > 1)
    throw ConfigError("model.latent_groups > 1 routes latents to cross-attention layers; it needs model.latent_entry "
                      "\"cross_attention\" or \"both\", not \"embedding\"");
  if (o.m() > 0 && (o.m() % groups != 0 || groups > levels))
    throw ConfigError("model.latent_groups (" + std::to_string(groups) + ") must divide latent.m (" +
                      std::to_string(o.m()) + ") and be at most the number of levels (" + std::to_string(levels) + ")");

  fourier_ = register_buffer("fourier", at::exp(at::linspace(0.0, std::log(64.0), o.channels() / 2)));
  noise_mlp_ = register_module("noise_mlp", torch::nn::Sequential(torch::nn::Linear(o.channels(), emb_dim),
                                                                  torch::nn::SiLU(), torch::nn::Linear(emb_dim, emb_dim)));
  if (o.num_classes() > 0) class_embedding_ = register_module("class_embedding", torch::nn::Embedding(o.num_classes(), emb_dim));
  stem_ = register_module("stem", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.in_channels(), o.channels(), 3).padding(1)));
  res_ = register_module("res", torch::nn::ModuleList());
  self_attn_ = register_module("self_attn", torch::nn::ModuleList());
  cross_attn_ = register_module("cross_attn", torch::nn::ModuleList());
  down_ = register_module("down", torch::nn::ModuleList());
  up_ = register_module("up", torch::nn::ModuleList());

  const auto& attn_res = o.attn_resolutions();
  auto has_attn = [&](int64_t r) { return std::find(attn_res.begin(), attn_res.end(), r) != attn_res.end(); };
  auto add = [&](Layer::Kind kind, int64_t module) {
    layers_.push_back(Layer{kind, module});
    return &layers_.back();
  };
  auto add_res = [&](int64_t in, int64_t out) {
    res_->push_back(ResBlock(in, out, emb_dim, o.dropout()));
    return add(Layer::kRes, int64_t(res_->size()) - 1);
  };
  auto add_cross = [&](int64_t ch, int64_t first, int64_t count) {
    cross_attn_->push_back(CrossAttention(ch, o.latent_width(), o.heads()));
    Layer* l = add(Layer::kCrossAttn, int64_t(cross_attn_->size()) - 1);
    l->token_first = first;
    l->token_count = count;
  };
  auto add_attention = [&](int64_t ch) {  // self-attention, then cross-attention to every latent (ungrouped)
    self_attn_->push_back(SelfAttention(ch, o.heads()));
    add(Layer::kSelfAttn, int64_t(self_attn_->size()) - 1);
    if (o.m() > 0 && cross && groups == 1) add_cross(ch, 0, o.m());
  };

  // ---- down branch ----
  std::vector<int64_t> skip_channels{o.channels()};  // the stem's output is the first skip
  int64_t ch = o.channels();
  res = o.resolution();
  for (int64_t i = 0; i < levels; ++i) {
    const int64_t out = o.channels() * mult[size_t(i)];
    for (int64_t b = 0; b < o.blocks(); ++b) {
      add_res(ch, out);
      ch = out;
      if (has_attn(res)) add_attention(ch);
      layers_.back().push_skip = true;
      skip_channels.push_back(ch);
    }
    if (i + 1 < levels) {
      down_->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(ch, ch, 3).stride(2).padding(1)));
      add(Layer::kDown, int64_t(down_->size()) - 1)->push_skip = true;
      skip_channels.push_back(ch);
      res /= 2;
    }
  }
  // ---- middle ----
  add_res(ch, ch);
  add_attention(ch);
  add_res(ch, ch);
  // ---- up branch (level u = 0 is the lowest resolution) ----
  for (int64_t i = levels - 1; i >= 0; --i) {
    const int64_t u = levels - 1 - i, out = o.channels() * mult[size_t(i)];
    for (int64_t b = 0; b < o.blocks() + 1; ++b) {
      const int64_t skip = skip_channels.back();
      skip_channels.pop_back();
      add_res(ch + skip, out)->pop_skip = true;
      ch = out;
      if (has_attn(res)) add_attention(ch);
      if (o.m() > 0 && groups > 1) {
        const int64_t g = u * groups / levels, per = o.m() / groups;
        add_cross(ch, g * per, per);
      }
    }
    layers_.back().end_of_up_level = u;
    if (i > 0) {
      up_->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(ch, ch, 3).padding(1)));
      add(Layer::kUp, int64_t(up_->size()) - 1);
      res *= 2;
    }
  }
  out_ = register_module("out", torch::nn::Sequential(group_norm(ch), torch::nn::SiLU(),
                                                      torch::nn::Conv2d(torch::nn::Conv2dOptions(ch, o.in_channels(), 3).padding(1))));
  if (o.m() > 0) {
    embedding_ = register_module("embedding", LatentEmbedding(o.m(), o.k(), o.latent_width()));
    token_position_ = register_parameter("token_position", at::randn({o.m(), o.latent_width()}) * 0.02);
    token_transformer_ = register_module("token_transformer", torch::nn::ModuleList());
    if (o.latent_entry() != UNetOptions::LatentEntry::kCrossAttention)
      latent_to_embedding_ =
          register_module("latent_to_embedding", torch::nn::Linear(o.m() * o.latent_width(), emb_dim));
    check_divisible(o.latent_width(), "model.latent_width", o.heads(), "model.heads");
    for (int64_t l = 0; l < o.latent_layers(); ++l)
      token_transformer_->push_back(TransformerBlock(o.latent_width(), o.heads(), groups));
  }
}

at::Tensor UNetImpl::latent_tokens(const Latents& z, int64_t batch) {
  auto t = (z.empty() ? embedding_->null(batch) : embedding_->forward(z)) + token_position_.unsqueeze(0);
  for (const auto& block : *token_transformer_) t = block->as<TransformerBlockImpl>()->forward(t);
  return t;
}

std::vector<std::pair<int64_t, int64_t>> UNetImpl::routing() const {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& l : layers_)
    if (l.kind == Layer::kCrossAttn) out.emplace_back(l.token_first, l.token_count);
  return out;
}

at::Tensor UNetImpl::raw(const at::Tensor& x_in, const at::Tensor& c_noise, const at::Tensor& labels,
                         const Latents& z, std::vector<at::Tensor>* level_outputs) {
  const int64_t b = x_in.size(0);
  auto angles = c_noise.to(x_in.scalar_type()).unsqueeze(1) * fourier_;
  auto emb = noise_mlp_->forward(at::cat({angles.sin(), angles.cos()}, 1));
  if (class_embedding_) emb = emb + class_embedding_(labels);
  at::Tensor tokens;
  if (options.m() > 0) tokens = latent_tokens(z, b);
  if (latent_to_embedding_) emb = emb + latent_to_embedding_(tokens.flatten(1));
  emb = at::silu(emb);
  auto h = stem_(x_in);
  std::vector<at::Tensor> skips{h};
  for (const auto& l : layers_) {
    switch (l.kind) {
      case Layer::kRes:
        if (l.pop_skip) {
          h = at::cat({h, skips.back()}, 1);
          skips.pop_back();
        }
        h = res_[l.module]->as<ResBlockImpl>()->forward(h, emb);
        break;
      case Layer::kSelfAttn: h = self_attn_[l.module]->as<SelfAttentionImpl>()->forward(h); break;
      case Layer::kCrossAttn:
        h = cross_attn_[l.module]->as<CrossAttentionImpl>()->forward(h, tokens.narrow(1, l.token_first, l.token_count));
        break;
      case Layer::kDown: h = down_[l.module]->as<torch::nn::Conv2dImpl>()->forward(h); break;
      case Layer::kUp:
        h = up_[l.module]->as<torch::nn::Conv2dImpl>()->forward(at::upsample_nearest2d(h, {h.size(2) * 2, h.size(3) * 2}));
        break;
    }
    if (l.push_skip) skips.push_back(h);
    if (l.end_of_up_level >= 0 && level_outputs) level_outputs->push_back(h);
  }
  return out_->forward(h);
}

at::Tensor UNetImpl::denoise(const Batch& noisy, const at::Tensor& sigma, const Latents& z) {
  // Without gradients (sampling, evaluation) run in inference mode: no version counters or autograd
  // bookkeeping. The result is an inference tensor; callers only use it in out-of-place arithmetic.
  std::optional<c10::InferenceMode> inference;
  if (!at::GradMode::is_enabled()) inference.emplace();
  const auto& x = noisy.at("x");  // [B, C, H, W]
  at::Tensor labels;
  if (options.num_classes() > 0) labels = noisy.at("label").to(at::kLong);
  const auto s = sigma.to(x.scalar_type());
  auto f = raw(expand_like(precond_.c_in(s), x) * x, precond_.c_noise(s), labels, z);
  // D = c_skip x + c_out F (EDM Table 1).
  return expand_like(precond_.c_skip(s), x) * x + expand_like(precond_.c_out(s), x) * f;
}

}  // namespace disco::image
