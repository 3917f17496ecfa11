#include "disco/latent_embedding.h"

#include <ATen/ATen.h>
#include <torch/nn/init.h>

namespace disco {

LatentEmbeddingImpl::LatentEmbeddingImpl(int64_t m_, int64_t k_, int64_t dim_) : m(m_), k(k_), dim(dim_) {
  codebook = register_parameter("codebook", at::randn({m, k, dim}));
  null_embedding = register_parameter("null", at::randn({m, dim}));
}

at::Tensor LatentEmbeddingImpl::forward(const Latents& z) {
  // [B, m, k] x [m, k, dim] -> [B, m, dim]: row selection for one-hot, convex combination for soft codes.
  auto e = at::einsum("bmk,mkd->bmd", {z.codes, codebook});
  if (!z.dropped.defined()) return e;
  auto drop = z.dropped.reshape({-1, 1, 1});
  return at::where(drop, null_embedding.unsqueeze(0).expand_as(e), e);
}

at::Tensor LatentEmbeddingImpl::null(int64_t batch) { return null_embedding.unsqueeze(0).expand({batch, m, dim}); }

}  // namespace disco
