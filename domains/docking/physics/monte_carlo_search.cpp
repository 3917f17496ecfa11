#include "monte_carlo_search.h"

#include <ATen/ATen.h>

#include <cmath>

namespace disco::docking {

SearchResult monte_carlo_search(const Objective& f, const at::Tensor& start, const at::Tensor& start_energy,
                                int64_t num_torsions, const SearchOptions& o, at::Generator gen) {
  SearchResult out;
  const int64_t c = start.size(0), dim = start.size(1);
  const auto opts = start.options();
  at::Tensor current = start.detach().clone(), current_e = start_energy.detach().clone();
  out.best_params = current.clone();
  out.best_energy = current_e.clone();
  const int64_t kinds = 2 + num_torsions;  // translation, orientation, each torsion: equally likely
  for (int step = 0; step < o.steps; ++step) {
    const at::Tensor kind = at::randint(kinds, {c}, gen, at::TensorOptions().dtype(at::kLong));
    at::Tensor move = at::zeros({c, dim}, opts);
    // Translation: a random direction, o.translation Å long.
    at::Tensor dir = at::randn({c, 3}, gen, opts);
    dir = dir / dir.norm(2, 1, true).clamp_min(1e-9) * o.translation;
    move.slice(1, 0, 3).copy_(at::where((kind == 0).unsqueeze(1), dir, at::zeros_like(dir)));
    // Orientation: a random axis, an angle up to o.rotation.
    at::Tensor axis = at::randn({c, 3}, gen, opts);
    axis = axis / axis.norm(2, 1, true).clamp_min(1e-9) * (at::rand({c, 1}, gen, opts) * o.rotation);
    move.slice(1, 3, 6).copy_(at::where((kind == 1).unsqueeze(1), axis, at::zeros_like(axis)));
    // One torsion: a uniformly random new angle (a change in (-pi, pi]).
    if (num_torsions > 0) {
      const at::Tensor angle = (at::rand({c}, gen, opts) * 2 - 1) * M_PI;
      const at::Tensor which = (kind - 2).clamp_min(0);
      at::Tensor tor = at::zeros({c, num_torsions}, opts);
      tor.scatter_(1, which.unsqueeze(1), angle.unsqueeze(1));
      tor = tor * (kind >= 2).unsqueeze(1).to(opts.dtype());
      move.slice(1, 6, dim).copy_(tor);
    }
    const LocalResult local = minimise_locally(f, current + move, o.local);
    out.evaluations += local.evaluations;
    const at::Tensor u = at::rand({c}, gen, opts);
    const at::Tensor accept = (local.energy < current_e) | (u < at::exp(-(local.energy - current_e) / o.temperature));
    current = at::where(accept.unsqueeze(1), local.params, current);
    current_e = at::where(accept, local.energy, current_e);
    const at::Tensor better = current_e < out.best_energy;
    out.best_params = at::where(better.unsqueeze(1), current, out.best_params);
    out.best_energy = at::where(better, current_e, out.best_energy);
  }
  return out;
}

}  // namespace disco::docking
