// Vina's global search in the pose space, batched: Monte-Carlo chains, each step perturbing one of translation,
// orientation or one torsion of the chain's current pose, optimising locally, and accepting by the Metropolis
// rule. All chains advance together, so every local optimisation is one batched L-BFGS over the chains.
// The number of chains and of steps is the speed/accuracy knob (Vina's exhaustiveness).
#pragma once
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "local_optimizer.h"

namespace disco::docking {

struct SearchOptions {
  int steps = 100;             // Monte-Carlo steps per chain
  double temperature = 1.2;    // kcal/mol, for the Metropolis rule (Vina's)
  double translation = 2.0;    // Å: a translation move's length
  double rotation = 0.5;       // rad: largest rotation of an orientation move
  LocalOptions local;          // each step's optimisation
  // The CPU chains (monte_carlo_chain.h) only: a pose that may join the chain's `keep` lowest distinct minima
  // (more than distinct_rmsd Å from each other) is first optimised further with `polish`.
  LocalOptions polish{200};
  int keep = 4;
  double distinct_rmsd = 1.0;
};

struct SearchResult {
  at::Tensor best_params;  // [C, D]: the lowest-energy pose each chain visited
  at::Tensor best_energy;  // [C]
  int64_t evaluations = 0;
};

// `start` [C, D]: the chains' first poses (already locally optimised); `start_energy` [C].
SearchResult monte_carlo_search(const Objective& objective, const at::Tensor& start, const at::Tensor& start_energy,
                                int64_t num_torsions, const SearchOptions& options, at::Generator gen);

}  // namespace disco::docking
