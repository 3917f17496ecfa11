#include "blocks.h"

#include <ATen/ATen.h>

#include <cmath>
#include <numeric>

#include "disco/error.h"

namespace disco::image {

torch::nn::GroupNorm group_norm(int64_t channels) {
  return torch::nn::GroupNorm(torch::nn::GroupNormOptions(std::gcd<int64_t>(channels, 32), channels).eps(1e-6));
}

at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads) {
  const int64_t b = q.size(0), lq = q.size(1), lk = k.size(1), w = q.size(2), dh = w / heads;
  auto qh = q.reshape({b, lq, heads, dh}).transpose(1, 2);  // [B, h, Lq, dh]
  auto kh = k.reshape({b, lk, heads, dh}).transpose(1, 2);
  auto vh = v.reshape({b, lk, heads, dh}).transpose(1, 2);
  auto scores = at::matmul(qh, kh.transpose(-2, -1)) * (1.0 / std::sqrt(double(dh)));
  return at::matmul(at::softmax(scores, -1), vh).transpose(1, 2).reshape({b, lq, w});
}

void check_divisible(int64_t width, const std::string& width_key, int64_t heads, const std::string& heads_key) {
  if (heads < 1 || width % heads != 0)
    throw ConfigError(width_key + " (" + std::to_string(width) + ") must be divisible by " + heads_key + " (" +
                      std::to_string(heads) + ")");
}

TransformerBlockImpl::TransformerBlockImpl(int64_t width, int64_t heads, int64_t groups)
    : heads_(heads), groups_(groups) {
  norm1_ = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  qkv_ = register_module("qkv", torch::nn::Linear(width, 3 * width));
  proj_ = register_module("proj", torch::nn::Linear(width, width));
  norm2_ = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})));
  fc1_ = register_module("fc1", torch::nn::Linear(width, 4 * width));
  fc2_ = register_module("fc2", torch::nn::Linear(4 * width, width));
}

at::Tensor TransformerBlockImpl::forward(at::Tensor x) {
  const int64_t b = x.size(0), l = x.size(1), w = x.size(2);
  auto parts = qkv_(norm1_(x)).chunk(3, -1);
  at::Tensor a;
  if (groups_ > 1) {  // [B, L, W] -> [B * G, L / G, W]: attention never crosses a group boundary
    auto split = [&](const at::Tensor& t) { return t.reshape({b * groups_, l / groups_, w}); };
    a = attend(split(parts[0]), split(parts[1]), split(parts[2]), heads_).reshape({b, l, w});
  } else {
    a = attend(parts[0], parts[1], parts[2], heads_);
  }
  x = x + proj_(a);
  return x + fc2_(at::gelu(fc1_(norm2_(x))));
}

}  // namespace disco::image
