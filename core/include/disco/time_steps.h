// EDM time-step discretisation (Karras et al. 2022, Eq. 5):
//   sigma_i = (sigma_max^(1/rho) + i/(N-1) (sigma_min^(1/rho) - sigma_max^(1/rho)))^rho,  i < N;  sigma_N = 0.
#pragma once
#include <cstdint>
#include <vector>

namespace disco {

// N + 1 decreasing noise levels, the last one 0. Throws std::invalid_argument for N < 1 or bad sigmas.
std::vector<double> edm_time_steps(int64_t steps, double sigma_min, double sigma_max, double rho = 7.0);

}  // namespace disco
