// LatentEmbedding: maps latents [B, m, k] to vectors [B, m, dim] with one learnable codebook per latent and
// a learnable null embedding per latent, used where Latents::dropped is true (paper Sec. 3.1: classifier-free
// guidance over latents). Works for soft latents too (a convex combination of codebook rows).
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "disco/latents.h"

namespace disco {

class LatentEmbeddingImpl : public torch::nn::Module {
 public:
  LatentEmbeddingImpl(int64_t m, int64_t k, int64_t dim);
  at::Tensor forward(const Latents& z);  // [B, m, dim]
  // Only the null embedding, for a batch of B (used when a model runs without latents at all).
  at::Tensor null(int64_t batch);

  int64_t m, k, dim;
  at::Tensor codebook;  // [m, k, dim]
  at::Tensor null_embedding;  // [m, dim]
};
TORCH_MODULE(LatentEmbedding);

}  // namespace disco
