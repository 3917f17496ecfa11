#pragma once
// Invariant embeddings: Gaussian smearing of distances and sinusoidal embedding of the noise level.
#include <ATen/ATen.h>

namespace disco::equivariant {

// distances: (E,) -> (E, count): exp(-(d - mu_k)^2 / (2 delta^2)), mu_k evenly spaced on [0, max_distance],
// delta their spacing.
at::Tensor gaussian_distance_embedding(const at::Tensor& distances, double max_distance, int64_t count);

// t: (B,) noise levels (diffusion time in [0, 1]) -> (B, dim): sin/cos of t * scale at geometric frequencies.
at::Tensor sinusoidal_embedding(const at::Tensor& t, int64_t dim, double scale = 1000.0);

}  // namespace disco::equivariant
