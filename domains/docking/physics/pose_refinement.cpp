#include "pose_refinement.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <numeric>

#include "bfgs.h"
#include "disco/error.h"
#include "monte_carlo_chain.h"
#include "pose_parameters.h"
#include "vina_torsions.h"

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

// The poses a refinement found (before scoring and clustering), each with the input pose it came from.
struct RefineSeeds {
  std::vector<std::vector<Vec3>> poses;
  std::vector<int64_t> origin;
  int64_t evaluations = 0;
};

// The CPU path: every pose by BFGS, then the Monte-Carlo chains, each in plain C++ (bfgs.h, monte_carlo_chain.h),
// poses and chains spread over the threads.
RefineSeeds refine_on_cpu(const VinaScore& score, const TorsionSet& torsions, const at::Tensor& reference_in,
                          const RefineOptions& o, bool search, at::Generator gen) {
  const at::Tensor reference = reference_in.contiguous();
  const int64_t b = reference.size(0), n = reference.size(1);
  const PoseEnergyProblem problem = score.energy_problem(torsions);
  const size_t dim = size_t(6 + torsions.size());
  const double* ref = reference.data_ptr<double>();
  std::vector<std::vector<double>> params(size_t(b), std::vector<double>(dim, 0.0));
  std::vector<double> energy(static_cast<size_t>(b));
  std::vector<int64_t> evaluations(size_t(b), 0);
  at::parallel_for(0, b, 1, [&](int64_t begin, int64_t end) {
    PoseScratch scratch;
    for (int64_t i = begin; i < end; ++i) {
      const double* r = ref + i * n * 3;
      energy[size_t(i)] = minimise_bfgs([&](const double* x, double* g) { return pose_energy(problem, r, n, x, g, scratch); },
                                        params[size_t(i)], o.search.polish, &evaluations[size_t(i)]);
    }
  });
  RefineSeeds out;
  for (int64_t i = 0; i < b; ++i) {
    out.poses.emplace_back();
    pose_coordinates(problem, ref + i * n * 3, n, params[size_t(i)].data(), out.poses.back());
    out.origin.push_back(i);
    out.evaluations += evaluations[size_t(i)];
  }
  if (!search) return out;
  // Chains from the lowest poses, each with its own seed drawn from `gen`.
  std::vector<int64_t> order(static_cast<size_t>(b));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return energy[size_t(x)] < energy[size_t(y)]; });
  const int64_t chains = std::min<int64_t>(o.chains, b);
  const uint64_t base_seed = uint64_t(at::randint(int64_t(1) << 40, {1}, gen, at::TensorOptions().dtype(at::kLong)).item<int64_t>());
  std::vector<std::vector<ChainMinimum>> minima(static_cast<size_t>(chains));
  std::vector<int64_t> chain_evaluations(size_t(chains), 0);
  at::parallel_for(0, chains, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const int64_t s = order[size_t(c)];
      minima[size_t(c)] = run_monte_carlo_chain(problem, ref + s * n * 3, n, params[size_t(s)], energy[size_t(s)], o.search,
                                                base_seed + uint64_t(c), &chain_evaluations[size_t(c)]);
    }
  });
  for (int64_t c = 0; c < chains; ++c) {
    const int64_t s = order[size_t(c)];
    for (const ChainMinimum& m : minima[size_t(c)]) {
      out.poses.emplace_back();
      pose_coordinates(problem, ref + s * n * 3, n, m.params.data(), out.poses.back());
      out.origin.push_back(s);
    }
    out.evaluations += chain_evaluations[size_t(c)];
  }
  return out;
}

// The tensor path (any device): batched L-BFGS over all poses, then the chains batched (monte_carlo_search.h);
// evaluations count batched calls here.
RefineSeeds refine_on_tensors(const VinaScore& score, const TorsionSet& torsions, const at::Tensor& reference,
                              const RefineOptions& o, bool search, at::Generator gen) {
  const TorsionTensors tt = torsion_tensors(torsions);
  // On the CPU in float64 the fused kernel evaluates the batch (the same function, analytic gradient); elsewhere the
  // tensor ops with autograd.
  const PoseEnergyProblem problem = score.energy_problem(torsions);
  auto objective_for = [&](const at::Tensor& ref) -> Objective {
    if (ref.is_cpu() && ref.scalar_type() == at::kDouble)
      return [&problem, ref](const at::Tensor& params) { return fused_pose_energy(problem, ref, params); };
    return autograd_objective([&score, &tt, ref](const at::Tensor& params) { return score.total(posed_coordinates(ref, params, tt)); });
  };
  const int64_t dim = pose_parameter_count(tt);
  const LocalResult local =
      minimise_locally(objective_for(reference), at::zeros({reference.size(0), dim}, reference.options()), o.search.polish);
  RefineSeeds out;
  out.evaluations = local.evaluations;
  const at::Tensor local_coords = posed_coordinates(reference, local.params, tt).to(at::kCPU, at::kDouble);
  for (int64_t i = 0; i < reference.size(0); ++i) {
    out.poses.push_back(pose_of(local_coords, i));
    out.origin.push_back(i);
  }
  if (!search) return out;
  const int64_t chains = std::min<int64_t>(o.chains, reference.size(0));
  const at::Tensor seeds = std::get<1>(local.energy.topk(chains, 0, /*largest=*/false));
  const at::Tensor ref = reference.index_select(0, seeds);
  const SearchResult result = monte_carlo_search(objective_for(ref), local.params.index_select(0, seeds),
                                                 local.energy.index_select(0, seeds), tt.size(), o.search, gen);
  out.evaluations += result.evaluations;
  const at::Tensor coords = posed_coordinates(ref, result.best_params, tt).to(at::kCPU, at::kDouble);
  for (int64_t i = 0; i < chains; ++i) {
    out.poses.push_back(pose_of(coords, i));
    out.origin.push_back(seeds[i].item<int64_t>());
  }
  return out;
}

}  // namespace

std::vector<RefinedPose> score_poses(const VinaScore& score, const std::vector<std::vector<Vec3>>& poses) {
  std::vector<RefinedPose> out;
  for (size_t i = 0; i < poses.size(); ++i) out.push_back(scored(score, poses[i], int64_t(i)));
  return out;
}

std::vector<RefinedPose> refine_poses(const VinaScore& score, const TorsionSet& diffusion_torsions,
                                      const std::vector<Vec3>& conformer, const std::vector<std::vector<Vec3>>& poses,
                                      const RefineOptions& o, at::Generator gen, RefineStats* stats) {
  if (poses.empty() || o.mode == RefineMode::None) return score_poses(score, poses);
  at::NoGradGuard no_grad_outside;  // the optimisers switch gradients on where they need them
  // Only Vina's rotors turn; the diffusion's other torsions go back to the conformer's angles first.
  const VinaTorsions split = split_vina_torsions(diffusion_torsions, score.ligand());
  std::vector<std::vector<Vec3>> starts = poses;
  if (!conformer.empty())
    for (std::vector<Vec3>& p : starts) restore_fixed_torsions(p, split.fixed, conformer);
  const at::Tensor reference = to_tensor(starts);
  const bool search = o.mode == RefineMode::Search && o.chains > 0 && o.search.steps > 0;
  const RefineSeeds found = o.on_tensors ? refine_on_tensors(score, split.rotors, reference, o, search, gen)
                                         : refine_on_cpu(score, split.rotors, reference, o, search, gen);
  std::vector<RefinedPose> all;
  for (size_t i = 0; i < found.poses.size(); ++i) all.push_back(scored(score, found.poses[i], found.origin[i]));
  std::stable_sort(all.begin(), all.end(), [](const RefinedPose& a, const RefinedPose& b) { return a.energy() < b.energy(); });
  std::vector<RefinedPose> kept;
  for (RefinedPose& p : all) {
    bool duplicate = false;
    for (RefinedPose& k : kept)
      if (rmsd(p.pos, k.pos) < o.cluster_rmsd) {
        ++k.cluster_size;
        duplicate = true;
        break;
      }
    if (!duplicate) kept.push_back(std::move(p));
  }
  if (o.population_weight != 0)
    std::stable_sort(kept.begin(), kept.end(), [&](const RefinedPose& a, const RefinedPose& b) {
      return a.ranking_energy(o.population_weight) < b.ranking_energy(o.population_weight);
    });
  if (stats) {
    stats->evaluations = found.evaluations;
    stats->poses_found = int64_t(all.size());
  }
  return kept;
}

}  // namespace disco::docking
