#include <ATen/ATen.h>

#include <cmath>

#include "disco/error.h"
#include "samplers/samplers.h"

namespace disco {

at::Tensor heun_step(const Diffusion& diffusion, const DenoiseFn& denoise, const at::Tensor& x, double t_cur,
                     double t_next) {
  const double h = t_next - t_cur;
  auto d = diffusion.ode_derivative(x, denoise(x, t_cur), t_cur);
  auto x_next = x + h * d;
  if (t_next > 0) {
    auto d_next = diffusion.ode_derivative(x_next, denoise(x_next, t_next), t_next);
    x_next = x + h * 0.5 * (d + d_next);
  }
  return x_next;
}

namespace {
// Samplers are also built from configs that were never validated (tests, library users): absent keys take
// the schema's defaults.
double float_or(const Config& c, const std::string& key, double fallback) {
  return c.has(key) ? c.get_float(key) : fallback;
}
}  // namespace

ChurnOptions churn_options(const Config& c) {
  ChurnOptions o;
  o.s_churn = float_or(c, "sample.s_churn", o.s_churn);
  o.s_min = float_or(c, "sample.s_min", o.s_min);
  o.s_max = float_or(c, "sample.s_max", o.s_max);
  o.s_noise = float_or(c, "sample.s_noise", o.s_noise);
  if (o.s_churn < 0) throw ConfigError(c.where("sample.s_churn").str() + ": sample.s_churn must be >= 0");
  return o;
}

std::vector<RestartInterval> restart_intervals(const Config& c) {
  std::vector<RestartInterval> out;
  if (!c.has("sample.restart")) return out;
  const auto values = c.get_float_list("sample.restart");
  const std::string where = c.where("sample.restart").str();
  if (values.size() % 4 != 0)
    throw ConfigError(where + ": sample.restart must hold [N_restart, K, t_min, t_max] groups of 4 numbers (got " +
                      std::to_string(values.size()) + " numbers)");
  const double lo = float_or(c, "diffusion.sigma_min", 0.002), hi = float_or(c, "diffusion.sigma_max", 80.0);
  for (size_t i = 0; i < values.size(); i += 4) {
    RestartInterval r{int64_t(values[i]), int64_t(values[i + 1]), values[i + 2], values[i + 3]};
    const std::string which = "sample.restart interval " + std::to_string(i / 4 + 1);
    if (r.n_steps < 1 || r.k < 0 || double(r.n_steps) != values[i] || double(r.k) != values[i + 1])
      throw ConfigError(where + ": " + which + ": N_restart must be an integer >= 1 and K an integer >= 0");
    if (!(r.t_min >= lo && r.t_max <= hi && r.t_min < r.t_max))
      throw ConfigError(where + ": " + which + ": need sigma_min <= t_min < t_max <= sigma_max (" + std::to_string(lo) +
                        " .. " + std::to_string(hi) + "), got t_min " + std::to_string(r.t_min) + ", t_max " +
                        std::to_string(r.t_max));
    out.push_back(r);
  }
  return out;
}

}  // namespace disco
