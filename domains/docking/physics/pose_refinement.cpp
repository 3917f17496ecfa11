#include "pose_refinement.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <numeric>

#include "disco/error.h"
#include "pose_parameters.h"

namespace disco::docking {

RefineMode parse_refine_mode(const std::string& text, const std::string& what) {
  if (text == "none") return RefineMode::None;
  if (text == "local") return RefineMode::Local;
  if (text == "search") return RefineMode::Search;
  throw UsageError(what + ": expected none, local or search, got '" + text + "'");
}

const char* refine_mode_name(RefineMode mode) {
  switch (mode) {
    case RefineMode::None: return "none";
    case RefineMode::Local: return "local";
    case RefineMode::Search: return "search";
  }
  return "?";
}

namespace {

at::Tensor to_tensor(const std::vector<std::vector<Vec3>>& poses) {
  const int64_t b = int64_t(poses.size()), n = int64_t(poses.front().size());
  at::Tensor t = at::empty({b, n, 3}, at::kDouble);
  auto a = t.accessor<double, 3>();
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const Vec3& p = poses[size_t(i)][size_t(j)];
      a[i][j][0] = p.x;
      a[i][j][1] = p.y;
      a[i][j][2] = p.z;
    }
  return t;
}

std::vector<Vec3> pose_of(const at::Tensor& coords, int64_t i) {
  const at::Tensor c = coords[i].contiguous();
  const double* d = c.data_ptr<double>();
  std::vector<Vec3> out(size_t(c.size(0)));
  for (size_t j = 0; j < out.size(); ++j) out[j] = {d[3 * j], d[3 * j + 1], d[3 * j + 2]};
  return out;
}

RefinedPose scored(const VinaScore& score, std::vector<Vec3> pos, int64_t origin) {
  RefinedPose p;
  p.intermolecular = score.intermolecular_exact(pos);
  p.intramolecular = score.intramolecular_exact(pos);
  p.affinity = score.affinity(p.intermolecular);
  p.pos = std::move(pos);
  p.origin = origin;
  return p;
}

}  // namespace

std::vector<RefinedPose> score_poses(const VinaScore& score, const std::vector<std::vector<Vec3>>& poses) {
  std::vector<RefinedPose> out;
  for (size_t i = 0; i < poses.size(); ++i) out.push_back(scored(score, poses[i], int64_t(i)));
  return out;
}

std::vector<RefinedPose> refine_poses(const VinaScore& score, const TorsionSet& torsions,
                                      const std::vector<std::vector<Vec3>>& poses, const RefineOptions& o,
                                      at::Generator gen, RefineStats* stats) {
  if (poses.empty() || o.mode == RefineMode::None) return score_poses(score, poses);
  at::NoGradGuard no_grad_outside;  // the optimisers switch gradients on where they need them
  const TorsionTensors tt = torsion_tensors(torsions);
  const at::Tensor reference = to_tensor(poses);
  // On the CPU the fused kernel evaluates the objective; elsewhere the tensor ops with autograd (the same function).
  const PoseEnergyProblem problem = score.energy_problem(torsions);
  auto objective_for = [&](const at::Tensor& ref) -> Objective {
    if (ref.is_cpu() && ref.scalar_type() == at::kDouble)
      return [&problem, ref](const at::Tensor& params) { return fused_pose_energy(problem, ref, params); };
    return autograd_objective([&score, &tt, ref](const at::Tensor& params) { return score.total(posed_coordinates(ref, params, tt)); });
  };
  const int64_t dim = pose_parameter_count(tt);
  const LocalResult local =
      minimise_locally(objective_for(reference), at::zeros({reference.size(0), dim}, at::kDouble), o.search.local);
  int64_t evaluations = local.evaluations;

  // Candidate poses: every locally optimised sample, and each chain's best.
  std::vector<std::vector<Vec3>> found;
  std::vector<int64_t> origin;
  const at::Tensor local_coords = posed_coordinates(reference, local.params, tt);
  for (int64_t i = 0; i < reference.size(0); ++i) {
    found.push_back(pose_of(local_coords, i));
    origin.push_back(i);
  }
  if (o.mode == RefineMode::Search && o.chains > 0 && o.search.steps > 0) {
    const int64_t chains = std::min<int64_t>(o.chains, reference.size(0));
    const at::Tensor seeds = std::get<1>(local.energy.topk(chains, 0, /*largest=*/false));
    const at::Tensor ref = reference.index_select(0, seeds);
    const SearchResult search = monte_carlo_search(objective_for(ref), local.params.index_select(0, seeds),
                                                   local.energy.index_select(0, seeds), tt.size(), o.search, gen);
    evaluations += search.evaluations;
    const at::Tensor coords = posed_coordinates(ref, search.best_params, tt);
    for (int64_t i = 0; i < chains; ++i) {
      found.push_back(pose_of(coords, i));
      origin.push_back(seeds[i].item<int64_t>());
    }
  }
  std::vector<RefinedPose> all;
  for (size_t i = 0; i < found.size(); ++i) all.push_back(scored(score, std::move(found[i]), origin[i]));
  std::stable_sort(all.begin(), all.end(), [](const RefinedPose& a, const RefinedPose& b) { return a.energy() < b.energy(); });
  std::vector<RefinedPose> kept;
  for (RefinedPose& p : all) {
    bool duplicate = false;
    for (const RefinedPose& k : kept)
      if (rmsd(p.pos, k.pos) < o.cluster_rmsd) {
        duplicate = true;
        break;
      }
    if (!duplicate) kept.push_back(std::move(p));
  }
  if (stats) {
    stats->evaluations = evaluations;
    stats->poses_found = int64_t(all.size());
  }
  return kept;
}

}  // namespace disco::docking
