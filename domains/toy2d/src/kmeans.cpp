#include "kmeans.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>

namespace disco::toy2d {

namespace {

struct Clustering {
  at::Tensor centres;
  double inertia = 0;  // sum of squared distances to the nearest centre
};

Clustering kmeans_once(const at::Tensor& points, int64_t k, uint64_t seed, int iterations) {
  const int64_t n = points.size(0);
  auto gen = at::detail::createCPUGenerator(seed);
  // k-means++: the first centre uniformly, each next one with probability proportional to the squared
  // distance to the nearest centre chosen so far.
  std::vector<at::Tensor> chosen{points[at::randint(n, {1}, gen, at::kLong).item<int64_t>()]};
  at::Tensor d2 = (points - chosen[0]).pow(2).sum(1);
  for (int64_t c = 1; c < k; ++c) {
    const at::Tensor w = d2.sum().item<double>() > 0 ? d2 : at::ones_like(d2);
    const int64_t next = at::multinomial(w, 1, false, gen).item<int64_t>();
    chosen.push_back(points[next]);
    d2 = at::minimum(d2, (points - chosen.back()).pow(2).sum(1));
  }
  at::Tensor centres = at::stack(chosen);
  for (int it = 0; it < iterations; ++it) {
    const at::Tensor assign = at::cdist(points, centres).argmin(1);
    const at::Tensor sums = at::zeros_like(centres).index_add_(0, assign, points);
    const at::Tensor counts = at::zeros({k}, points.options()).index_add_(0, assign, at::ones({n}, points.options()));
    const at::Tensor filled = (counts > 0).unsqueeze(1);
    centres = at::where(filled, sums / counts.clamp_min(1.0).unsqueeze(1), centres);
  }
  return {centres, std::get<0>(at::cdist(points, centres).min(1)).pow(2).sum().item<double>()};
}

}  // namespace

at::Tensor kmeans_centres(const at::Tensor& points_in, int64_t k, uint64_t seed, int iterations, int restarts) {
  const at::Tensor points = points_in.to(at::kCPU, at::kDouble).contiguous();
  Clustering best;
  for (int r = 0; r < std::max(restarts, 1); ++r) {
    Clustering c = kmeans_once(points, k, seed * 1000003 + uint64_t(r), iterations);
    if (r == 0 || c.inertia < best.inertia) best = std::move(c);
  }
  return best.centres.to(points_in.scalar_type());
}

}  // namespace disco::toy2d
