#include "disco/host/ar_prior.h"

#include <ATen/ATen.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/init.h>

#include <cmath>

#include "disco/error.h"

namespace disco {
namespace {

// Pre-LayerNorm causal self-attention block (GPT-style). Written out rather than using
// nn::TransformerEncoderLayer so that the causal mask and parameter names are ours and stable
// (they are checkpoint keys).
class CausalBlockImpl : public torch::nn::Module {
 public:
  CausalBlockImpl(int64_t width, int64_t heads, double dropout) : heads_(heads), dropout_(dropout) {
    if (width % heads != 0) throw ConfigError("prior.width (" + std::to_string(width) + ") must be divisible by prior.heads (" + std::to_string(heads) + ")");
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
    qkv = register_module("qkv", torch::nn::Linear(width, 3 * width));
    proj = register_module("proj", torch::nn::Linear(width, width));
    norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
    fc1 = register_module("fc1", torch::nn::Linear(width, 4 * width));
    fc2 = register_module("fc2", torch::nn::Linear(4 * width, width));
  }

  at::Tensor forward(at::Tensor x) {
    const int64_t b = x.size(0), l = x.size(1), w = x.size(2), dh = w / heads_;
    auto qkv_out = qkv(norm1(x)).reshape({b, l, 3, heads_, dh}).permute({2, 0, 3, 1, 4});
    auto q = qkv_out[0], k = qkv_out[1], v = qkv_out[2];  // [b, h, l, dh]
    auto scores = at::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(dh));
    auto causal = at::ones({l, l}, x.options().dtype(at::kBool)).triu(1);
    scores = scores.masked_fill(causal, -std::numeric_limits<float>::infinity());
    auto attn = at::dropout(at::softmax(scores, -1), dropout_, is_training());
    auto out = at::matmul(attn, v).transpose(1, 2).reshape({b, l, w});
    x = x + at::dropout(proj(out), dropout_, is_training());
    return x + at::dropout(fc2(at::gelu(fc1(norm2(x)))), dropout_, is_training());
  }

  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr}, fc1{nullptr}, fc2{nullptr};

 private:
  int64_t heads_;
  double dropout_;
};
TORCH_MODULE(CausalBlock);

}  // namespace

ArPriorImpl::ArPriorImpl(ArPriorOptions o) : options(o) {
  const int64_t w = o.width();
  token_embedding = register_module("token_embedding", torch::nn::Embedding(o.k(), w));
  if (o.num_classes() > 0) class_embedding = register_module("class_embedding", torch::nn::Embedding(o.num_classes(), w));
  start_token = register_parameter("start_token", at::randn({w}) * 0.02);
  position_embedding = register_parameter("position_embedding", at::randn({o.m(), w}) * 0.02);
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.layers(); ++i) blocks->push_back(CausalBlock(w, o.heads(), o.dropout()));
  final_norm = register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({w})));
  head = register_module("head", torch::nn::Linear(w, o.k()));
}

at::Tensor ArPriorImpl::logits(const Batch& cond, const at::Tensor& z_prefix, int64_t batch) {
  auto start = start_token.reshape({1, 1, -1}).expand({batch, 1, options.width()});
  if (options.num_classes() > 0) {
    const auto& label = cond.at("label");
    if (label.size(0) != batch)
      throw DataError("AR prior: got " + std::to_string(label.size(0)) + " class labels for " +
                      std::to_string(batch) + " samples");
    start = start + class_embedding(label.to(at::kLong)).unsqueeze(1);
  }
  auto h = start;
  if (z_prefix.defined() && z_prefix.size(1) > 0) h = at::cat({start, token_embedding(z_prefix)}, 1);
  const int64_t l = h.size(1);
  h = h + position_embedding.narrow(0, 0, l).unsqueeze(0);
  for (const auto& block : *blocks) h = block->as<CausalBlockImpl>()->forward(h);
  return head(final_norm(h));
}

at::Tensor ArPriorImpl::nll(const Batch& cond, const at::Tensor& z) {
  const int64_t b = z.size(0), m = options.m();
  auto lg = logits(cond, z.narrow(1, 0, m - 1), b);  // [b, m, k]
  auto logp = at::log_softmax(lg, -1).gather(-1, z.to(at::kLong).unsqueeze(-1)).squeeze(-1);
  return -logp.sum(1);
}

at::Tensor ArPriorImpl::sample(const Batch& cond, int64_t n, double temperature, int64_t top_k,
                               c10::optional<at::Generator> gen) {
  auto device = start_token.device();
  auto z = at::empty({n, 0}, at::TensorOptions().dtype(at::kLong).device(device));
  for (int64_t i = 0; i < options.m(); ++i) {
    auto lg = logits(cond, z, n).select(1, i);  // [n, k]
    at::Tensor next;
    if (temperature <= 0) {
      next = lg.argmax(-1, true);
    } else {
      lg = lg / temperature;
      if (top_k > 0 && top_k < options.k()) {
        auto kth = std::get<0>(lg.topk(top_k, -1)).select(1, top_k - 1).unsqueeze(1);
        lg = lg.masked_fill(lg < kth, -std::numeric_limits<float>::infinity());
      }
      next = at::multinomial(at::softmax(lg, -1), 1, false, gen);
    }
    z = at::cat({z, next}, 1);
  }
  return z;
}

}  // namespace disco
