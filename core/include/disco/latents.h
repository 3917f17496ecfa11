// Discrete latents z (paper Sec. 3.1): m latents, each one of k codes, as one-hot or relaxed vectors.
#pragma once
#include <ATen/core/Tensor.h>
#include <ATen/core/Generator.h>

#include <optional>

namespace disco {

struct Latents {
  at::Tensor codes;    // [B, m, k]: one-hot (hard) or Gumbel-Softmax relaxation (soft); undefined when m == 0
  at::Tensor dropped;  // [B] bool: true = this example uses the learnable null embedding (CFG, p = 0.1)

  bool empty() const { return !codes.defined(); }
  int64_t batch() const { return codes.size(0); }
  int64_t m() const { return codes.defined() ? codes.size(1) : 0; }
  int64_t k() const { return codes.defined() ? codes.size(2) : 0; }

  // Hard one-hot latents from indices [B, m] in [0, k).
  static Latents from_indices(const at::Tensor& indices, int64_t k);
  // The same latents with every example replaced by the null embedding (the unconditional pass of CFG).
  Latents all_dropped() const;
};

// Gumbel-Softmax sample (Jang et al. 2016; paper App. D) from logits [B, m, k] at temperature tau.
// hard = false: the soft relaxation softmax((logits + g) / tau) (paper default for images/toy, tau = 1).
// hard = true: straight-through: one-hot argmax forward, soft gradient backward (official docking code).
// mask [B, m, k] bool (optional): false entries get probability 0 (docking: k varies per example).
at::Tensor gumbel_softmax(const at::Tensor& logits, double tau, bool hard, const at::Tensor& mask = {},
                          c10::optional<at::Generator> gen = c10::nullopt);

// Latents at tau -> 0 (stage-2 extraction, App. D): argmax of the (masked) logits, [B, m] int64.
at::Tensor latent_argmax(const at::Tensor& logits, const at::Tensor& mask = {});

// Per-example Bernoulli(p) "replace by null" mask [B] bool (paper: p = 0.1).
at::Tensor latent_dropout_mask(int64_t batch, double p, const c10::Device& device,
                               c10::optional<at::Generator> gen = c10::nullopt);

// Code usage, to catch encoder collapse (DESIGN.md): from hard indices [N, m] in [0, k).
struct CodeUsage {
  int64_t codes_in_use = 0;  // distinct codes used, summed over the m latents
  double perplexity = 0;     // exp(entropy) of the empirical code distribution, averaged over latents
};
CodeUsage code_usage(const at::Tensor& indices, int64_t k);

}  // namespace disco
