// Autoregressive Transformer prior p(z_i | z_<i, c) (paper Sec. 3.2; images: 12 layers, 8 heads, width 512).
// Position 0 reads a start token (plus the class embedding when conditional); position i reads z_{i-1}.
#pragma once
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "disco/prior.h"

namespace disco {

struct ArPriorOptions {
  ArPriorOptions(int64_t m, int64_t k) : m_(m), k_(k) {}
  TORCH_ARG(int64_t, m);
  TORCH_ARG(int64_t, k);
  TORCH_ARG(int64_t, layers) = 2;
  TORCH_ARG(int64_t, heads) = 4;
  TORCH_ARG(int64_t, width) = 128;
  TORCH_ARG(int64_t, num_classes) = 0;  // 0 = unconditional; otherwise reads Batch key "label"
  TORCH_ARG(double, dropout) = 0.0;
};

class ArPriorImpl : public Prior {
 public:
  explicit ArPriorImpl(ArPriorOptions options);
  at::Tensor sample(const Batch& cond, int64_t n, double temperature, int64_t top_k,
                    c10::optional<at::Generator> gen) override;
  at::Tensor nll(const Batch& cond, const at::Tensor& z) override;
  // Logits [B, L, k] for positions 0..L-1 given the first L-1 latents z [B, L-1] (L <= m).
  at::Tensor logits(const Batch& cond, const at::Tensor& z_prefix, int64_t batch);

  ArPriorOptions options;

 private:
  torch::nn::Embedding token_embedding{nullptr};     // k codes
  torch::nn::Embedding class_embedding{nullptr};     // num_classes (when conditional)
  at::Tensor start_token, position_embedding;        // [width], [m, width]
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm final_norm{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(ArPrior);

}  // namespace disco
