// Local optimisation of many poses at once: L-BFGS (limited-memory BFGS, as Vina's BFGS but with a short
// memory so that a batch of poses keeps one small history each) with a backtracking Armijo line search per
// pose. The objective maps parameters [B, D] to energies [B] and their gradients [B, D]; every iteration
// evaluates the whole batch, and a pose whose line search has succeeded waits for the others.
#pragma once
#include <ATen/core/Tensor.h>

#include <functional>
#include <utility>

namespace disco::docking {

struct LocalOptions {
  int max_iterations = 60;       // L-BFGS iterations (Vina's BFGS runs until converged or a similar bound)
  int memory = 8;                // stored (s, y) pairs
  int max_line_search = 8;       // step halvings per iteration
  double max_step = 1.0;         // largest step norm tried first (Å / rad mixed; the parameters are of order 1)
  double gradient_tolerance = 1e-4;
};

struct LocalResult {
  at::Tensor params;  // [B, D]
  at::Tensor energy;  // [B]
  int64_t evaluations = 0;  // batched objective evaluations (each with its gradient)
};

// params [B, D] -> {energy [B], gradient [B, D]}.
using Objective = std::function<std::pair<at::Tensor, at::Tensor>(const at::Tensor& params)>;
// An Objective from a differentiable energy function, its gradient by autograd.
Objective autograd_objective(std::function<at::Tensor(const at::Tensor& params)> energy);

LocalResult minimise_locally(const Objective& objective, const at::Tensor& start, const LocalOptions& options);

}  // namespace disco::docking
