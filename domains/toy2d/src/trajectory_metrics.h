// Geometry of the probability-flow ODE along sampled trajectories (paper App. F.3, Fig. 4).
#pragma once
#include <vector>

#include "disco/sampler.h"
#include "networks.h"

namespace disco::toy2d {

struct CurvePoint {
  double t = 0;
  double curvature = 0;  // E ||T(t) - T(t - dt)|| / ||x(t) - x(t - dt)||, T = unit tangent of dx/dt
  double jacobian = 0;   // E ||dG/dx||_F^2
  double jacobian_network = 0;  // E ||dN/dx||_F^2 of the network's part N = c_in H alone (the Gaussian term's
                                // Jacobian, -I / (t^2 + sigma_1^2), is the same closed form for both models)
};

// Evaluates both quantities at every recorded t > 0 of `trajectory` (states [n, 2]), for the latents z of
// those n trajectories. x(t - dt) comes from one Euler step of size dt (App. F.3: dt = 0.001).
std::vector<CurvePoint> curvature_and_jacobian(Toy2dDenoiserImpl& net, const Trajectory& trajectory,
                                               const Latents& z, double dt);

}  // namespace disco::toy2d
