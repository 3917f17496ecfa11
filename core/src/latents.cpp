#include "disco/latents.h"

#include <ATen/ATen.h>

#include <cmath>

namespace disco {

Latents Latents::from_indices(const at::Tensor& indices, int64_t k) {
  Latents z;
  z.codes = at::one_hot(indices.to(at::kLong), k).to(at::kFloat);
  z.dropped = at::zeros({indices.size(0)}, indices.options().dtype(at::kBool));
  return z;
}

Latents Latents::all_dropped() const {
  Latents z = *this;
  if (codes.defined()) z.dropped = at::ones({codes.size(0)}, codes.options().dtype(at::kBool));
  return z;
}

static at::Tensor masked(const at::Tensor& logits, const at::Tensor& mask) {
  if (!mask.defined()) return logits;
  return logits.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
}

at::Tensor gumbel_softmax(const at::Tensor& logits, double tau, bool hard, const at::Tensor& mask,
                          c10::optional<at::Generator> gen) {
  // g = -log(-log(u)), u ~ U(0,1); clamp keeps u away from 0 and 1 so g stays finite.
  auto u = at::rand(logits.sizes(), gen, logits.options()).clamp(1e-10, 1.0 - 1e-7);
  auto g = -(-u.log()).log();
  auto y = at::softmax((masked(logits, mask) + g) / tau, -1);
  if (!hard) return y;
  auto index = y.argmax(-1, /*keepdim=*/true);
  auto one_hot = at::zeros_like(y).scatter_(-1, index, 1.0);
  return one_hot - y.detach() + y;  // straight-through: forward one-hot, backward soft gradient
}

at::Tensor latent_argmax(const at::Tensor& logits, const at::Tensor& mask) {
  return masked(logits, mask).argmax(-1);
}

at::Tensor latent_dropout_mask(int64_t batch, double p, const c10::Device& device, c10::optional<at::Generator> gen) {
  return at::rand({batch}, gen, at::TensorOptions().device(device)) < p;
}

CodeUsage code_usage(const at::Tensor& indices, int64_t k) {
  CodeUsage usage;
  if (!indices.defined() || indices.numel() == 0) return usage;
  auto idx = indices.to(at::kCPU).to(at::kLong).reshape({indices.size(0), -1});
  const int64_t m = idx.size(1);
  double perplexity_sum = 0;
  for (int64_t j = 0; j < m; ++j) {
    auto counts = at::bincount(idx.select(1, j), {}, k).to(at::kDouble);
    usage.codes_in_use += (counts > 0).sum().item<int64_t>();
    auto p = counts / counts.sum();
    auto entropy = -(p * p.clamp_min(1e-300).log()).sum().item<double>();
    perplexity_sum += std::exp(entropy);
  }
  usage.perplexity = perplexity_sum / double(m);
  return usage;
}

}  // namespace disco
