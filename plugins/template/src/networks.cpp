#include "networks.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>

#include <cmath>
#include <numeric>

#include "disco/error.h"

namespace disco::signal1d {
namespace {

// GroupNorm needs a group count dividing the channels; up to 8 groups.
torch::nn::GroupNorm group_norm(int64_t channels) {
  return torch::nn::GroupNorm(torch::nn::GroupNormOptions(std::gcd<int64_t>(channels, 8), channels));
}

// Multi-head scaled dot-product attention: q [B, Lq, W], k and v [B, Lk, W] -> [B, Lq, W].
at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads) {
  const int64_t b = q.size(0), lq = q.size(1), lk = k.size(1), w = q.size(2), dh = w / heads;
  auto qh = q.reshape({b, lq, heads, dh}).transpose(1, 2);  // [B, h, Lq, dh]
  auto kh = k.reshape({b, lk, heads, dh}).transpose(1, 2);
  auto vh = v.reshape({b, lk, heads, dh}).transpose(1, 2);
  auto scores = at::matmul(qh, kh.transpose(-2, -1)) / std::sqrt(double(dh));
  return at::matmul(at::softmax(scores, -1), vh).transpose(1, 2).reshape({b, lq, w});
}

// Pre-norm residual block: conv (dilated) -> FiLM by the noise embedding -> conv.
class ResBlockImpl : public torch::nn::Module {
 public:
  ResBlockImpl(int64_t channels, int64_t emb_dim, int64_t dilation) {
    norm1 = register_module("norm1", group_norm(channels));
    conv1 = register_module("conv1", torch::nn::Conv1d(torch::nn::Conv1dOptions(channels, channels, 3)
                                                           .dilation(dilation).padding(dilation)));
    film = register_module("film", torch::nn::Linear(emb_dim, 2 * channels));
    norm2 = register_module("norm2", group_norm(channels));
    conv2 = register_module("conv2", torch::nn::Conv1d(torch::nn::Conv1dOptions(channels, channels, 3).padding(1)));
  }
  at::Tensor forward(const at::Tensor& x, const at::Tensor& emb) {
    auto h = conv1(at::silu(norm1(x)));
    auto scale_shift = film(emb).unsqueeze(2).chunk(2, 1);  // 2 x [B, C, 1]
    h = norm2(h) * (1 + scale_shift[0]) + scale_shift[1];
    return x + conv2(at::silu(h));
  }
  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv1d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear film{nullptr};
};
TORCH_MODULE(ResBlock);

// Every position of the feature map queries the latent tokens (keys and values); the result is added back.
class CrossAttentionImpl : public torch::nn::Module {
 public:
  CrossAttentionImpl(int64_t channels, int64_t heads) : heads_(heads) {
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels})));
    q = register_module("q", torch::nn::Linear(channels, channels));
    kv = register_module("kv", torch::nn::Linear(channels, 2 * channels));
    proj = register_module("proj", torch::nn::Linear(channels, channels));
  }
  at::Tensor forward(const at::Tensor& x, const at::Tensor& tokens) {  // x [B, C, L], tokens [B, m, C]
    auto queries = q(norm(x.transpose(1, 2)));                          // [B, L, C]
    auto keys_values = kv(tokens).chunk(2, -1);
    auto out = proj(attend(queries, keys_values[0], keys_values[1], heads_));
    return x + out.transpose(1, 2);
  }
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear q{nullptr}, kv{nullptr}, proj{nullptr};

 private:
  int64_t heads_;
};
TORCH_MODULE(CrossAttention);

// Pre-LayerNorm Transformer encoder block (no mask: every token sees every token).
class SelfAttentionBlockImpl : public torch::nn::Module {
 public:
  SelfAttentionBlockImpl(int64_t width, int64_t heads) : heads_(heads) {
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
    qkv = register_module("qkv", torch::nn::Linear(width, 3 * width));
    proj = register_module("proj", torch::nn::Linear(width, width));
    norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
    fc1 = register_module("fc1", torch::nn::Linear(width, 4 * width));
    fc2 = register_module("fc2", torch::nn::Linear(4 * width, width));
  }
  at::Tensor forward(at::Tensor x) {
    auto parts = qkv(norm1(x)).chunk(3, -1);
    x = x + proj(attend(parts[0], parts[1], parts[2], heads_));
    return x + fc2(at::gelu(fc1(norm2(x))));
  }
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr}, fc1{nullptr}, fc2{nullptr};

 private:
  int64_t heads_;
};
TORCH_MODULE(SelfAttentionBlock);

void check_divisible(int64_t width, const char* width_key, int64_t heads, const char* heads_key) {
  if (heads < 1 || width % heads != 0)
    throw ConfigError(std::string(width_key) + " (" + std::to_string(width) + ") must be divisible by " + heads_key +
                      " (" + std::to_string(heads) + ")");
}

}  // namespace

SignalDenoiserImpl::SignalDenoiserImpl(SignalDenoiserOptions o) : options(o), precond_{o.sigma_data()} {
  const int64_t c = o.channels(), emb = 2 * c;
  check_divisible(c, "model.channels", o.heads(), "model.heads");
  // c_noise = ln(sigma)/4 lies in about [-1.6, 1.1] for sigma in [0.002, 80]; frequencies 1..64 resolve it.
  fourier_ = register_buffer("fourier", at::exp(at::linspace(0.0, std::log(64.0), 16)));
  noise_mlp_ = register_module("noise_mlp", torch::nn::Sequential(torch::nn::Linear(32, emb), torch::nn::SiLU(),
                                                                  torch::nn::Linear(emb, emb)));
  stem_ = register_module("stem", torch::nn::Conv1d(torch::nn::Conv1dOptions(1, c, 3).padding(1)));
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.blocks(); ++i) blocks_->push_back(ResBlock(c, emb, int64_t(1) << i));
  if (o.m() > 0) {
    embedding_ = register_module("embedding", LatentEmbedding(o.m(), o.k(), c));
    latent_film_ = register_module("latent_film", torch::nn::Linear(c, emb));
    attention_ = register_module("attention", torch::nn::ModuleList());
    for (int64_t i = 0; i < o.blocks(); ++i) attention_->push_back(CrossAttention(c, o.heads()));
  }
  out_ = register_module("out", torch::nn::Sequential(group_norm(c), torch::nn::SiLU(),
                                                      torch::nn::Conv1d(torch::nn::Conv1dOptions(c, 1, 3).padding(1))));
}

at::Tensor SignalDenoiserImpl::denoise(const Batch& noisy, const at::Tensor& sigma, const Latents& z) {
  const auto& x = noisy.at("x");  // [B, L]
  const int64_t b = x.size(0);
  auto c_noise = precond_.c_noise(sigma).to(x.scalar_type()).unsqueeze(1) * fourier_.to(x.scalar_type());
  auto emb = noise_mlp_->forward(at::cat({c_noise.sin(), c_noise.cos()}, 1));
  auto h = stem_(expand_like(precond_.c_in(sigma), x).mul(x).unsqueeze(1));  // [B, C, L]
  at::Tensor tokens;
  if (options.m() > 0) {
    tokens = z.empty() ? embedding_->null(b) : embedding_->forward(z);  // [B, m, C]
    emb = emb + latent_film_(tokens.mean(1));
  }
  for (size_t i = 0; i < blocks_->size(); ++i) {
    h = blocks_[i]->as<ResBlockImpl>()->forward(h, emb);
    if (tokens.defined()) h = attention_[i]->as<CrossAttentionImpl>()->forward(h, tokens);
  }
  auto f = out_->forward(h).squeeze(1);
  // D = c_skip x + c_out F (EDM Table 1).
  return expand_like(precond_.c_skip(sigma), x) * x + expand_like(precond_.c_out(sigma), x) * f;
}

SignalEncoderImpl::SignalEncoderImpl(SignalEncoderOptions o) : options(o) {
  check_divisible(o.width(), "model.encoder_width", o.heads(), "model.encoder_heads");
  const int64_t patches = (o.length() + o.patch() - 1) / o.patch();
  patch_embed_ = register_module("patch_embed", torch::nn::Linear(o.patch(), o.width()));
  queries_ = register_parameter("queries", at::randn({o.m(), o.width()}) * 0.02);
  position_ = register_parameter("position", at::randn({patches, o.width()}) * 0.02);
  blocks_ = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.layers(); ++i) blocks_->push_back(SelfAttentionBlock(o.width(), o.heads()));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.width()})));
  head_ = register_module("head", torch::nn::Linear(o.width(), o.k()));
}

EncoderOutput SignalEncoderImpl::encode(const Batch& clean) {
  auto x = clean.at("x") / options.sigma_data();
  const int64_t b = x.size(0), patches = position_.size(0);
  const int64_t pad = patches * options.patch() - x.size(1);
  if (pad > 0) x = at::constant_pad_nd(x, {0, pad});
  auto tokens = patch_embed_(x.reshape({b, patches, options.patch()})) + position_.unsqueeze(0);
  auto h = at::cat({queries_.unsqueeze(0).expand({b, options.m(), options.width()}), tokens}, 1);
  for (const auto& block : *blocks_) h = block->as<SelfAttentionBlockImpl>()->forward(h);
  return {head_(norm_(h.narrow(1, 0, options.m()))), {}};
}

}  // namespace disco::signal1d
