// One Monte-Carlo chain of Vina's global search in plain C++ on the CPU, for one pose at a time: each step
// perturbs one of translation, orientation or one torsion of the current pose, optimises it by BFGS and accepts
// it by the Metropolis rule. The chain remembers its lowest distinct minima (each polished by a longer BFGS
// before it is kept). A chain is deterministic given its seed, so chains run on any number of threads give the
// same poses. monte_carlo_search.h is the same search batched on tensors, for other devices.
#pragma once
#include <cstdint>
#include <vector>

#include "monte_carlo_search.h"
#include "pose_energy_kernel.h"

namespace disco::docking {

struct ChainMinimum {
  std::vector<double> params;  // [6 + T], relative to the chain's reference coordinates
  double energy = 0;
};

// `reference` [num_atoms, 3]; `start`: locally optimised parameters with energy `start_energy`. Returns the kept
// minima, lowest first (the start among them). Adds the energy evaluations made to *evaluations.
std::vector<ChainMinimum> run_monte_carlo_chain(const PoseEnergyProblem& problem, const double* reference, int64_t num_atoms,
                                                const std::vector<double>& start, double start_energy,
                                                const SearchOptions& options, uint64_t seed, int64_t* evaluations);

}  // namespace disco::docking
