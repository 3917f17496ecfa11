#include "disco/time_steps.h"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace disco {

std::vector<double> edm_time_steps(int64_t steps, double sigma_min, double sigma_max, double rho) {
  if (steps < 1) throw std::invalid_argument("steps must be >= 1 (got " + std::to_string(steps) + ")");
  if (!(sigma_min > 0) || !(sigma_max > sigma_min) || !(rho > 0))
    throw std::invalid_argument("need 0 < sigma_min < sigma_max and rho > 0");
  std::vector<double> t(steps + 1, 0.0);
  const double a = std::pow(sigma_max, 1.0 / rho), b = std::pow(sigma_min, 1.0 / rho);
  for (int64_t i = 0; i < steps; ++i) {
    const double frac = steps == 1 ? 0.0 : double(i) / double(steps - 1);
    t[i] = std::pow(a + frac * (b - a), rho);  // Karras et al. 2022, Eq. 5
  }
  t[steps] = 0.0;
  return t;
}

}  // namespace disco
