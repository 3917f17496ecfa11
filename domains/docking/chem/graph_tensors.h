// Atom and residue positions as LibTorch tensors and back, for a model: float32 [N, 3].
#pragma once
#include <torch/types.h>

#include <map>
#include <string>

#include "complex.h"
#include "graph.h"

namespace disco::docking {

torch::Tensor to_tensor(const std::vector<Vec3>& points);              // [N, 3] float32
std::vector<Vec3> from_tensor(const torch::Tensor& points);            // [N, 3] -> points (double)

}  // namespace disco::docking
