// Dense BFGS on one small problem (a pose: 6 + torsions parameters), in plain C++: what the refinement runs per
// pose on the CPU, where LibTorch's per-op cost would dominate a problem this small. The inverse Hessian starts
// as the identity (rescaled after the first step), each trial step is capped in length, and a backtracking
// Armijo line search accepts it; a direction that is not downhill resets the Hessian.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "local_optimizer.h"

namespace disco::docking {

// x -> energy, gradient written into `gradient` (same length as x).
using EnergyAndGradient = std::function<double(const double* x, double* gradient)>;

// Minimises from `x` (updated in place); returns the energy there. Of `options`, all but `memory` apply. Adds the evaluations made to *evaluations.
double minimise_bfgs(const EnergyAndGradient& f, std::vector<double>& x, const LocalOptions& options,
                     int64_t* evaluations = nullptr);

}  // namespace disco::docking
