#include "local_optimizer.h"

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include <deque>

namespace disco::docking {

namespace {

at::Tensor rowdot(const at::Tensor& a, const at::Tensor& b) { return (a * b).sum(1); }

}  // namespace

Objective autograd_objective(std::function<at::Tensor(const at::Tensor& params)> energy) {
  return [energy = std::move(energy)](const at::Tensor& x) {
    at::AutoGradMode grad_mode(true);
    at::Tensor p = x.detach().requires_grad_(true);
    at::Tensor e = energy(p);
    at::Tensor g = torch::autograd::grad({e.sum()}, {p})[0];
    return std::make_pair(e.detach(), g.detach());
  };
}

LocalResult minimise_locally(const Objective& f, const at::Tensor& start, const LocalOptions& o) {
  LocalResult out;
  at::Tensor x = start.detach().clone();
  auto [e, g] = f(x);
  out.evaluations = 1;
  std::deque<at::Tensor> s_hist, y_hist, rho_hist;
  at::Tensor active = at::ones({x.size(0)}, x.options().dtype(at::kBool));
  for (int it = 0; it < o.max_iterations; ++it) {
    active = active & (g.norm(2, 1) > o.gradient_tolerance);
    if (!active.any().item<bool>()) break;
    // Two-loop recursion, per pose (pairs with bad curvature have rho = 0 and drop out).
    at::Tensor q = g.clone();
    std::vector<at::Tensor> alpha(s_hist.size());
    for (int i = int(s_hist.size()) - 1; i >= 0; --i) {
      alpha[size_t(i)] = rho_hist[size_t(i)] * rowdot(s_hist[size_t(i)], q);
      q = q - alpha[size_t(i)].unsqueeze(1) * y_hist[size_t(i)];
    }
    at::Tensor gamma = at::ones_like(e);
    if (!s_hist.empty()) {
      const at::Tensor sy = rowdot(s_hist.back(), y_hist.back()), yy = rowdot(y_hist.back(), y_hist.back());
      gamma = at::where(sy > 1e-12, sy / yy.clamp_min(1e-30), gamma);
    }
    at::Tensor r = gamma.unsqueeze(1) * q;
    for (size_t i = 0; i < s_hist.size(); ++i) {
      const at::Tensor beta = rho_hist[i] * rowdot(y_hist[i], r);
      r = r + s_hist[i] * (alpha[i] - beta).unsqueeze(1);
    }
    at::Tensor d = -r;
    // Not a descent direction (possible after a bad curvature pair): steepest descent instead.
    const at::Tensor not_descent = rowdot(d, g) >= 0;
    d = at::where(not_descent.unsqueeze(1), -g, d);
    const at::Tensor dn = d.norm(2, 1, true);
    d = d * (o.max_step / dn.clamp_min(o.max_step));  // cap the first trial step's length
    d = d * active.unsqueeze(1).to(d.dtype());
    const at::Tensor slope = rowdot(d, g);  // <= 0

    // Backtracking: every pose tries step 1, then halves until Armijo holds (or gives up and stays put).
    at::Tensor step = at::ones_like(e);
    at::Tensor done = ~active;
    at::Tensor x_new = x, e_new = e, g_new = g;
    for (int ls = 0; ls <= o.max_line_search && !done.all().item<bool>(); ++ls) {
      const at::Tensor trial = x + step.unsqueeze(1) * d;
      auto [et, gt] = f(trial);
      ++out.evaluations;
      const at::Tensor ok = ~done & (et <= e + 1e-4 * step * slope);
      x_new = at::where(ok.unsqueeze(1), trial, x_new);
      e_new = at::where(ok, et, e_new);
      g_new = at::where(ok.unsqueeze(1), gt, g_new);
      done = done | ok;
      step = at::where(done, step, step * 0.5);
    }
    // A pose whose line search failed has converged as far as this direction goes.
    active = active & done & (x_new != x).any(1);
    const at::Tensor s = x_new - x, y = g_new - g;
    const at::Tensor sy = rowdot(s, y);
    s_hist.push_back(s);
    y_hist.push_back(y);
    rho_hist.push_back(at::where(sy > 1e-12, 1.0 / sy.clamp_min(1e-12), at::zeros_like(sy)));
    if (int(s_hist.size()) > o.memory) {
      s_hist.pop_front();
      y_hist.pop_front();
      rho_hist.pop_front();
    }
    x = x_new;
    e = e_new;
    g = g_new;
  }
  out.params = x;
  out.energy = e;
  return out;
}

}  // namespace disco::docking
