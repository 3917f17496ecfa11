#include "trajectory_metrics.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/utils.h>

namespace disco::toy2d {

std::vector<CurvePoint> curvature_and_jacobian(Toy2dDenoiserImpl& net, const Trajectory& trajectory,
                                               const Latents& z, double dt) {
  std::vector<CurvePoint> out;
  torch::AutoGradMode enable_grad(true);
  for (size_t s = 0; s < trajectory.sigmas.size(); ++s) {
    const double t = trajectory.sigmas[s];
    if (t <= dt) continue;
    auto x = trajectory.states[s].to(at::kFloat).detach();
    const int64_t n = x.size(0);
    CurvePoint p;
    p.t = t;
    {
      torch::NoGradGuard no_grad;
      auto tt = at::full({n}, t, x.options());
      // dx/dt = -t G(x, t, z) (EDM ODE with sigma(t) = t, G = score).
      auto v = -t * net.score(x, tt, z);
      auto x_prev = x - v * dt;
      auto v_prev = -(t - dt) * net.score(x_prev, at::full({n}, t - dt, x.options()), z);
      auto unit = [](const at::Tensor& u) { return u / u.norm(2, 1, true).clamp_min(1e-30); };
      auto kappa = (unit(v) - unit(v_prev)).norm(2, 1) / (x - x_prev).norm(2, 1).clamp_min(1e-30);
      p.curvature = kappa.mean().item<double>();
    }
    auto tt = at::full({n}, t, x.options());
    auto frobenius_sq = [&](auto&& field) {
      auto xg = x.clone().requires_grad_(true);
      auto g = field(xg);
      at::Tensor frob = at::zeros({n}, x.options());
      for (int64_t i = 0; i < 2; ++i) {
        auto row = torch::autograd::grad({g.select(1, i).sum()}, {xg}, {}, /*retain_graph=*/i == 0)[0];
        frob = frob + row.pow(2).sum(1);
      }
      return frob.mean().item<double>();
    };
    p.jacobian = frobenius_sq([&](const at::Tensor& xg) { return net.score(xg, tt, z); });
    p.jacobian_network = frobenius_sq([&](const at::Tensor& xg) { return net.learned_term(xg, tt); });
    out.push_back(p);
  }
  return out;
}

}  // namespace disco::toy2d
