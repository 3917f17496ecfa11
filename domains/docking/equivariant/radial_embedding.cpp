#include "equivariant/radial_embedding.h"

#include <cmath>

namespace disco::equivariant {

at::Tensor gaussian_distance_embedding(const at::Tensor& distances, double max_distance, int64_t count) {
  const at::Tensor mu = at::linspace(0.0, max_distance, count, distances.options());
  const double delta = count > 1 ? max_distance / static_cast<double>(count - 1) : max_distance;
  const at::Tensor diff = distances.unsqueeze(-1) - mu;
  return at::exp(-0.5 * diff * diff / (delta * delta));
}

at::Tensor sinusoidal_embedding(const at::Tensor& t, int64_t dim, double scale) {
  const int64_t half = dim / 2;
  const at::Tensor k = at::arange(half, t.options());
  const at::Tensor freq = at::exp(-std::log(10000.0) * k / std::max<int64_t>(half - 1, 1));
  const at::Tensor arg = (t * scale).unsqueeze(-1) * freq;
  at::Tensor emb = at::cat({at::sin(arg), at::cos(arg)}, -1);
  if (dim % 2 == 1) emb = at::cat({emb, at::zeros({t.size(0), 1}, t.options())}, -1);
  return emb;
}

}  // namespace disco::equivariant
