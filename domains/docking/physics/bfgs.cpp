#include "bfgs.h"

#include <algorithm>
#include <cmath>

namespace disco::docking {

namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

void set_identity(std::vector<double>& h, size_t n, double scale) {
  std::fill(h.begin(), h.end(), 0.0);
  for (size_t i = 0; i < n; ++i) h[i * n + i] = scale;
}

}  // namespace

double minimise_bfgs(const EnergyAndGradient& f, std::vector<double>& x, const LocalOptions& o, int64_t* evaluations) {
  const size_t n = x.size();
  std::vector<double> g(n), h(n * n), p(n), x_new(n), g_new(n), s(n), y(n), hy(n);
  int64_t evals = 1;
  double e = f(x.data(), g.data());
  set_identity(h, n, 1.0);
  bool first = true;
  for (int it = 0; it < o.max_iterations; ++it) {
    if (std::sqrt(dot(g, g)) < o.gradient_tolerance) break;
    for (size_t i = 0; i < n; ++i) {
      double v = 0;
      for (size_t j = 0; j < n; ++j) v -= h[i * n + j] * g[j];
      p[i] = v;
    }
    if (dot(p, g) >= 0) {  // not downhill: start the curvature over
      set_identity(h, n, 1.0);
      first = true;
      for (size_t i = 0; i < n; ++i) p[i] = -g[i];
    }
    const double length = std::sqrt(dot(p, p));
    if (length > o.max_step)
      for (double& v : p) v *= o.max_step / length;
    const double slope = dot(p, g);
    double step = 1, e_new = e;
    bool accepted = false;
    for (int ls = 0; ls <= o.max_line_search; ++ls, step *= 0.5) {
      for (size_t i = 0; i < n; ++i) x_new[i] = x[i] + step * p[i];
      e_new = f(x_new.data(), g_new.data());
      ++evals;
      if (e_new <= e + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;  // as far as this direction goes
    for (size_t i = 0; i < n; ++i) {
      s[i] = x_new[i] - x[i];
      y[i] = g_new[i] - g[i];
    }
    x.swap(x_new);
    g.swap(g_new);
    e = e_new;
    const double sy = dot(s, y);
    if (sy <= 1e-12) continue;  // no usable curvature along this step
    if (first) {
      set_identity(h, n, sy / dot(y, y));
      first = false;
    }
    // H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T, expanded with H symmetric.
    const double rho = 1 / sy;
    for (size_t i = 0; i < n; ++i) {
      double v = 0;
      for (size_t j = 0; j < n; ++j) v += h[i * n + j] * y[j];
      hy[i] = v;
    }
    const double yhy = dot(y, hy);
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j)
        h[i * n + j] += rho * ((1 + rho * yhy) * s[i] * s[j] - hy[i] * s[j] - s[i] * hy[j]);
  }
  if (evaluations) *evaluations += evals;
  return e;
}

}  // namespace disco::docking
