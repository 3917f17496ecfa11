// toy2d datasets: the paper's mixture of 8 Gaussians (App. F.1) and the usual 2-D benchmarks.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "disco/config.h"
#include "metrics.h"

namespace disco::toy2d {

struct ToyData {
  at::Tensor points;         // [N, 2] float
  std::vector<Point> means;  // mixture means; empty when the set has no discrete modes
  double mode_sigma = 0;     // component standard deviation (mixtures only)
};

// The eight means (+-r, 0), (0, +-r), (+-r/sqrt2, +-r/sqrt2) in the paper's order.
std::vector<Point> eight_gaussian_means(double radius);

// One draw of the configured dataset. `seed` picks the draw: training and the "fresh" evaluation draws use
// different seeds. For data.name = "csv" every seed returns the file (shuffled by the seed).
ToyData make_toy_data(const Config& config, uint64_t seed);

std::vector<Point> to_points(const at::Tensor& xy);

}  // namespace disco::toy2d
