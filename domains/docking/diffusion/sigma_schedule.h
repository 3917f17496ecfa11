#pragma once
// Geometric noise schedules of DiffDock's product-space diffusion: sigma(t) = sigma_min^(1-t) sigma_max^t,
// t in [0, 1]. For this variance-exploding process d(sigma^2)/dt = g(t)^2 with
// g(t) = sigma(t) sqrt(2 ln(sigma_max / sigma_min)).
#include <cmath>

namespace disco::equivariant {

struct GeometricSigma {
  double min = 0.1, max = 19.0;
  double sigma(double t) const { return std::pow(min, 1.0 - t) * std::pow(max, t); }
  double g(double t) const { return sigma(t) * std::sqrt(2.0 * std::log(max / min)); }
};

// DiffDock's ranges: translation in Å, rotation and torsion in radians.
struct ProductSpaceSchedule {
  GeometricSigma translation{0.1, 19.0};
  GeometricSigma rotation{0.03, 1.55};
  GeometricSigma torsion{0.0314, M_PI};
};

}  // namespace disco::equivariant
