#include "monte_carlo_chain.h"

#include <cmath>
#include <random>

#include "bfgs.h"

namespace disco::docking {

std::vector<ChainMinimum> run_monte_carlo_chain(const PoseEnergyProblem& problem, const double* reference, int64_t num_atoms,
                                                const std::vector<double>& start, double start_energy,
                                                const SearchOptions& o, uint64_t seed, int64_t* evaluations) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  PoseScratch scratch;
  int64_t evals = 0;
  const EnergyAndGradient f = [&](const double* x, double* g) {
    return pose_energy(problem, reference, num_atoms, x, g, scratch);
  };
  const int64_t num_torsions = int64_t(problem.torsion_axis.size());
  const size_t dim = start.size();

  // The kept minima and their coordinates, lowest energy first.
  std::vector<ChainMinimum> kept;
  std::vector<std::vector<Vec3>> kept_coords;
  auto offer = [&](const std::vector<double>& params, double energy) {
    if (int(kept.size()) >= o.keep && energy >= kept.back().energy) return;
    ChainMinimum m{params, energy};
    m.energy = minimise_bfgs(f, m.params, o.polish, &evals);
    std::vector<Vec3> coords;
    pose_coordinates(problem, reference, num_atoms, m.params.data(), coords);
    for (size_t i = 0; i < kept.size(); ++i) {
      if (rmsd(coords, kept_coords[i]) >= o.distinct_rmsd) continue;
      if (m.energy >= kept[i].energy) return;  // a better copy of this minimum is kept already
      kept.erase(kept.begin() + long(i));
      kept_coords.erase(kept_coords.begin() + long(i));
      break;
    }
    size_t at = 0;
    while (at < kept.size() && kept[at].energy <= m.energy) ++at;
    kept.insert(kept.begin() + long(at), std::move(m));
    kept_coords.insert(kept_coords.begin() + long(at), std::move(coords));
    if (int(kept.size()) > o.keep) {
      kept.pop_back();
      kept_coords.pop_back();
    }
  };
  offer(start, start_energy);

  std::vector<double> current = start, trial(dim);
  double current_e = start_energy;
  for (int step = 0; step < o.steps; ++step) {
    trial = current;
    const int64_t kind = int64_t(uniform(rng) * double(2 + num_torsions));
    if (kind == 0) {  // translation: a random direction, o.translation Å long
      Vec3 d{normal(rng), normal(rng), normal(rng)};
      d = d * (o.translation / std::max(norm(d), 1e-9));
      trial[0] += d.x, trial[1] += d.y, trial[2] += d.z;
    } else if (kind == 1) {  // orientation: a random axis, an angle up to o.rotation
      Vec3 a{normal(rng), normal(rng), normal(rng)};
      a = a * (uniform(rng) * o.rotation / std::max(norm(a), 1e-9));
      trial[3] += a.x, trial[4] += a.y, trial[5] += a.z;
    } else {  // one torsion: a uniformly random new angle
      trial[size_t(6 + std::min(kind - 2, num_torsions - 1))] = (2 * uniform(rng) - 1) * M_PI;
    }
    const double e = minimise_bfgs(f, trial, o.local, &evals);
    if (e < current_e || uniform(rng) < std::exp(-(e - current_e) / o.temperature)) {
      current.swap(trial);
      current_e = e;
      offer(current, current_e);
    }
  }
  if (evaluations) *evaluations += evals;
  return kept;
}

}  // namespace disco::docking
