// k-means (k-means++ seeding, then Lloyd iterations) on 2-D points: where the toy's DisCo codes F(z) can start
// (model.codebook_init_kmeans), a standard data-dependent initialisation of a vector-quantisation codebook.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace disco::toy2d {

// points [N, D] -> k centres [k, D]: the best (lowest sum of squared distances) of `restarts` k-means++ seedings,
// each refined by `iterations` Lloyd steps; restarts guard against a seeding that put two centres in one
// cluster (then one centre ends between two clusters). Seeded: the same points and seed give the same centres.
// A cluster that empties keeps its previous centre.
at::Tensor kmeans_centres(const at::Tensor& points, int64_t k, uint64_t seed, int iterations = 25, int restarts = 10);

}  // namespace disco::toy2d
