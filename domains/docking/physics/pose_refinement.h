// Refinement of docked poses by the physics score: every pose locally optimised in the pose space (translation,
// rotation, Vina's rotors), then, for `search`, Monte-Carlo chains seeded by the best of them; the poses found are
// clustered (a pose within cluster_rmsd Å of a better one is dropped, as Vina does, and counted in its cluster) and
// ranked by intermolecular + intramolecular energy, lowest first (optionally less a bonus for a populous cluster).
#pragma once
#include <ATen/core/Generator.h>

#include <cmath>
#include <string>
#include <vector>

#include "monte_carlo_search.h"
#include "torsion.h"
#include "vina_score.h"

namespace disco::docking {

enum class RefineMode { None, Local, Search };
// "none" | "local" | "search"; throws UsageError naming `what` otherwise.
RefineMode parse_refine_mode(const std::string& text, const std::string& what);
const char* refine_mode_name(RefineMode mode);

struct RefineOptions {
  RefineMode mode = RefineMode::Search;
  int chains = 40;            // Monte-Carlo chains, seeded by the best locally optimised poses (40: one per sample)
  SearchOptions search;       // steps per chain, temperature, move sizes, local optimiser
  double cluster_rmsd = 1.0;  // Å
  // Ranking: by energy - population_weight x ln(cluster size), kcal/mol (0: by energy alone, as Vina). A minimum that
  // many samples and chains fall into is a wide basin, which the energy alone does not see.
  double population_weight = 0;
  // The batched tensor path (minimise_locally, monte_carlo_search: any device) instead of the per-pose CPU one
  // (bfgs.h, monte_carlo_chain.h); the same search, the CPU path being the fast one on a CPU.
  bool on_tensors = false;
};

struct RefinedPose {
  std::vector<Vec3> pos;
  double intermolecular = 0, intramolecular = 0;  // kcal/mol, exact (no grid)
  double affinity = 0;                            // kcal/mol: intermolecular x the rotatable-bond factor
  int64_t origin = 0;                             // index of the input pose it was refined from
  int64_t cluster_size = 1;                       // the poses found within cluster_rmsd of it (itself included)
  double energy() const { return intermolecular + intramolecular; }
  double ranking_energy(double population_weight) const {
    return energy() - population_weight * std::log(double(cluster_size));
  }
};

struct RefineStats {
  int64_t evaluations = 0;  // score evaluations with gradients: of one pose (CPU path), of a batch (on_tensors)
  int64_t poses_found = 0;  // before clustering
};

// `poses`: coordinates of one molecule (the torsions' atom order); `torsions`: the diffusion's (vina_torsions.h:
// only Vina's rotors turn). When `conformer` (the input ligand's coordinates) is given, each pose's other torsions
// are first set back to its angles. Returns the ranked, clustered poses.
std::vector<RefinedPose> refine_poses(const VinaScore& score, const TorsionSet& torsions, const std::vector<Vec3>& conformer,
                                      const std::vector<std::vector<Vec3>>& poses, const RefineOptions& options,
                                      at::Generator gen, RefineStats* stats = nullptr);

// The poses scored as they are (exact terms), in input order: what --refine none and `disco score` report.
std::vector<RefinedPose> score_poses(const VinaScore& score, const std::vector<std::vector<Vec3>>& poses);

}  // namespace disco::docking
