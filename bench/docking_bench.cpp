// disco_bench_docking: disco's side of the docking benchmark (bench/README.md, "Docking"), against
// bench/docking_reference.py, the same model and sampler in PyTorch-Python.
//
// One PDBBind complex (1a0q by default: its pocket, the crystal ligand as the input molecule), the score
// network and prior of examples/docking/tiny.toml at the chosen size (tiny, or DiffDock-S: 5 layers,
// 24x0e + 24x0o + 6x1o + 6x1e, edge MLP 48), weights drawn from --seed (the cost does not depend on them).
// Workloads, each a warm-up and timed repeats:
//   dock     40 samples x 20 steps as `disco dock` runs them (dock_poses: random start, latents from the prior,
//            reverse diffusion, the final self-consistency scoring and ranking), from the loaded complex; the
//            parsing of the files and the writing of SDFs are not timed;
//   forward  the score network's forward alone on the 40-pose joint graph (built once, not timed) at t = 0.5.
// --export FILE writes what the Python side needs to run the same work on the same numbers (torch.load reads
// it): the packed example, the settings, every weight, the Clebsch-Gordan and IGSO(3) tables, and reference
// outputs for its parity check (the scores of the forward input, the ranked poses of one seeded dock, that
// dock's latents in sampling order and their prior log-likelihoods).
//
// The complex is read and the networks are built by the docking plugin's own code (the static library
// disco_docking_model that the plugin links), the config validated against the plugin's schema as the CLI does.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "bench_harness.h"
#include "complex.h"
#include "docking_example.h"
#include "graph.h"
#include "docking_networks.h"
#include "docking_settings.h"
#include "equivariant/clebsch_gordan.h"
#include "diffusion/igso3.h"
#include "joint_graph.h"
#include "pose_sampler.h"
#include "disco/host/allocator.h"
#include "disco/atomic_file.h"

namespace {

using namespace disco::bench;
namespace dk = disco::docking;

struct Options : CommonOptions {
  std::string config = "examples/docking/tiny.toml";
  std::string size = "tiny";
  std::string complex = "../shared/data/pdbbind/1a0q";
  std::string export_file;
  uint64_t seed = 0;
};

const char* kUsage =
    "disco_bench_docking: disco's side of the docking benchmark (bench/README.md)\n"
    "  --config FILE     docking TOML (default examples/docking/tiny.toml)\n"
    "  --size S          tiny | diffdock_s (5 layers, 24x0e + 24x0o + 6x1o + 6x1e, edge MLP 48)\n"
    "  --complex DIR     PDBBind complex folder (default ../shared/data/pdbbind/1a0q)\n"
    "  --workload W      dock | forward | all (default all); none: only --export\n"
    "  --sample-n N      poses per complex (default 40)\n"
    "  --sample-steps S  reverse-diffusion steps (default 20)\n"
    "  --repeats R --warmup W --threads N (default %d) --seed S --json --plugin-path DIR\n"
    "  --export FILE     write the inputs, weights and reference outputs for bench/docking_reference.py\n";

Options parse_args(int argc, char** argv) {
  Options o;
  o.repeats = 3;
  o.sample_n = 40;
  o.sample_steps = 20;
  parse_options(argc, argv, o, kUsage, {"dock", "forward", "none", "all"},
                [&](const std::string& a, const std::function<std::string()>& value) {
                  if (a == "--config") o.config = value();
                  else if (a == "--size") o.size = value();
                  else if (a == "--complex") o.complex = value();
                  else if (a == "--export") o.export_file = value();
                  else if (a == "--seed") o.seed = std::stoull(value());
                  else return false;
                  return true;
                });
  if (o.size != "tiny" && o.size != "diffdock_s")
    throw disco::UsageError("--size must be tiny or diffdock_s (got '" + o.size + "')");
  return o;
}

std::string json_network(const disco::equivariant::ScoreModelOptions& n) {
  std::ostringstream s;
  s << "{\"node_feature_dim\": " << n.node_feature_dim << ", \"edge_feature_dim\": " << n.edge_feature_dim
    << ", \"hidden_irreps\": \"" << n.hidden_irreps << "\", \"sh_lmax\": " << n.sh_lmax
    << ", \"num_layers\": " << n.num_layers << ", \"noise_embedding_dim\": " << n.noise_embedding_dim
    << ", \"distance_embedding_dim\": " << n.distance_embedding_dim << ", \"max_edge_distance\": " << n.max_edge_distance
    << ", \"center_max_distance\": " << n.center_max_distance << ", \"torsion_radius\": " << n.torsion_radius
    << ", \"mlp_hidden\": " << n.mlp_hidden << ", \"num_latents\": " << n.num_latents << "}";
  return s.str();
}

std::string json_settings(const dk::DockingSettings& s) {
  std::ostringstream j;
  j.precision(17);
  j << "{\"samples\": " << s.samples << ", \"steps\": " << s.steps << ", \"m\": " << s.m << ", \"k\": " << s.k
    << ", \"radii\": {\"ligand\": " << s.radii.ligand << ", \"cross\": " << s.radii.cross << "}"
    << ", \"schedule\": {\"translation\": [" << s.schedule.translation.min << ", " << s.schedule.translation.max
    << "], \"rotation\": [" << s.schedule.rotation.min << ", " << s.schedule.rotation.max << "], \"torsion\": ["
    << s.schedule.torsion.min << ", " << s.schedule.torsion.max << "]}"
    << ", \"temperatures\": [" << s.temperatures.translation << ", " << s.temperatures.rotation << ", "
    << s.temperatures.torsion << "], \"denoiser\": " << json_network(s.denoiser)
    << ", \"prior\": " << json_network(s.prior) << "}";
  return j.str();
}

at::Tensor bytes_tensor(const std::string& text) {
  return at::tensor(std::vector<uint8_t>(text.begin(), text.end()), at::TensorOptions().dtype(at::kByte));
}

at::Tensor positions_tensor(const std::vector<dk::Vec3>& pos) {
  std::vector<double> flat;
  for (const auto& p : pos) flat.insert(flat.end(), {p.x, p.y, p.z});
  return at::tensor(flat, at::TensorOptions().dtype(at::kDouble)).view({int64_t(pos.size()), 3});
}

// The batch of n copies of the example with the given ligand poses (n, L, 3).
disco::Batch copies_with_poses(const dk::DockingExample& example, const dk::DockingSettings& s, const at::Tensor& poses) {
  const int64_t n = poses.size(0), L = example.num_atoms();
  std::vector<dk::DockingExample> copies(size_t(n), example);
  std::vector<const dk::DockingExample*> ptrs;
  const at::Tensor p = poses.to(at::kDouble).contiguous();
  for (int64_t i = 0; i < n; ++i) {
    copies[size_t(i)].lig_pos.clear();
    for (int64_t a = 0; a < L; ++a)
      copies[size_t(i)].lig_pos.push_back({p[i][a][0].item<double>(), p[i][a][1].item<double>(), p[i][a][2].item<double>()});
    ptrs.push_back(&copies[size_t(i)]);
  }
  return dk::pack_examples(ptrs, s.pocket, std::vector<int64_t>(size_t(n), 0));
}

int run(const Options& o) {
  disco::tune_heap_for_tensors();  // as the CLI does first thing in main()
  torch::set_num_threads(o.threads);
  disco::PluginLoader loader;
  disco::Registry registry;
  load_plugins(loader, registry, o.plugin_path);
  disco::Config config = disco::Config::parse_file(o.config);
  std::shared_ptr<disco::Domain> domain = find_domain(loader, registry, "docking");
  std::vector<std::string> overrides{"threads=" + std::to_string(o.threads), "seed=" + std::to_string(o.seed),
                                     "dock.samples=" + std::to_string(o.sample_n),
                                     "dock.steps=" + std::to_string(o.sample_steps)};
  if (o.size == "diffdock_s")
    overrides.insert(overrides.end(), {"model.layers=5", "model.irreps=\"24x0e + 24x0o + 6x1o + 6x1e\"",
                                       "model.mlp_hidden=48"});
  for (const auto& s : overrides) config.apply_override(s);
  validate_config(config, *domain, "docking");
  const dk::DockingSettings s = dk::docking_settings(config);

  // The complex, its pocket around the crystal ligand's centroid (as `disco dock --ref` does).
  const std::string id = std::filesystem::path(o.complex).lexically_normal().filename().string();
  const dk::Complex c = dk::load_complex(dk::find_complex(std::filesystem::path(o.complex).parent_path().string(), id));
  const dk::DockingExample example = dk::make_example(c, dk::centroid(c.ligand.pos), s.pocket, s.seed);

  torch::manual_seed(o.seed);
  dk::DockingDenoiser denoiser(s);
  std::shared_ptr<dk::DockingPrior> prior = s.m > 0 ? std::make_shared<dk::DockingPrior>(s) : nullptr;
  denoiser.eval();
  if (prior) prior->eval();

  // The forward input: the ligand's prior pose (random torsions and orientation at the pocket centre) moved
  // by a random offset per copy, random latent nodes, t = 0.5.
  const int64_t n = o.sample_n, L = example.num_atoms();
  auto gen = at::detail::createCPUGenerator(o.seed + 17);
  const at::Tensor fwd_pos = positions_tensor(example.prior_pos).to(at::kFloat).unsqueeze(0) +
                             2.0 * at::randn({n, 1, 3}, gen);
  const int64_t nodes = L + example.num_residues();
  const at::Tensor fwd_latents = s.m > 0 ? at::randint(std::min(s.k, nodes), {n, s.m}, gen) : at::zeros({n, 0}, at::kLong);
  const disco::Batch fwd_batch = copies_with_poses(example, s, fwd_pos);
  const at::Tensor fwd_t = at::full({n}, 0.5);
  disco::Latents fwd_z;
  if (s.m > 0) {
    fwd_z = disco::Latents::from_indices(fwd_latents, s.k);
    fwd_z.dropped = at::zeros({n}, at::kBool);
  }

  const bool all = o.workload == "all";
  Timings dock_times, forward_times;
  int64_t edges = 0, graph_nodes = 0;
  double best_score = NAN;
  if (all || o.workload == "forward") {
    torch::NoGradGuard no_grad;  // as dock_poses runs the network
    const dk::FlatJointGraph g = denoiser.graph_of(fwd_batch, fwd_t, fwd_z);
    edges = g.graph.edge_index.size(1);
    graph_nodes = g.graph.positions.size(0);
    forward_times = time_repeats(o.warmup, o.repeats, 1.0, [&](bool, Stopwatch& watch) {
      const auto out = denoiser.network()->forward(g.graph, disco::equivariant::ScoreOutputsWanted::pose_scores);
      watch.stop();  // before the outputs are freed
    });
  }
  if (all || o.workload == "dock") {
    dock_times = time_repeats(o.warmup, o.repeats, 1.0, [&](bool, Stopwatch& watch) {
      auto g = at::detail::createCPUGenerator(s.seed + 4242);  // as `disco dock` seeds it
      const auto poses = dk::dock_poses(denoiser, prior.get(), example, s, g);
      watch.stop();
      if (int64_t(poses.size()) != n || !std::isfinite(poses.front().model_score))
        throw disco::RuntimeError("benchmark docking produced a wrong or non-finite result");
      best_score = poses.front().model_score;
    });
  }

  if (!o.export_file.empty()) {
    c10::Dict<std::string, at::Tensor> out;
    out.insert("settings_json", bytes_tensor(json_settings(s)));
    const disco::Batch packed = dk::pack_examples({&example}, s.pocket, {0});
    for (const auto& [key, value] : packed.tensors) out.insert("example/" + key, value);
    out.insert("example/lig_pos_input", positions_tensor(example.lig_pos));
    out.insert("example/pocket_centre_input", positions_tensor({example.pocket_centre}).view({3}));
    out.insert("example/atom_feature_sizes",
               at::tensor(std::vector<int64_t>(dk::kAtomFeatureSizes.begin(), dk::kAtomFeatureSizes.end())));
    out.insert("example/num_residue_types", at::tensor(std::vector<int64_t>{dk::kNumResidueTypes}));
    for (const auto& item : denoiser.named_parameters()) out.insert("denoiser/" + item.key(), item.value().detach());
    if (prior)
      for (const auto& item : prior->named_parameters()) out.insert("prior/" + item.key(), item.value().detach());
    for (int l1 = 0; l1 <= 2; ++l1)
      for (int l2 = 0; l2 <= 2; ++l2)
        for (int l3 = std::abs(l1 - l2); l3 <= std::min(2, l1 + l2); ++l3)
          out.insert("cg/" + std::to_string(l1) + "_" + std::to_string(l2) + "_" + std::to_string(l3),
                     disco::equivariant::clebsch_gordan(l1, l2, l3));
    // The IGSO(3) expected score norms at the table's grid points (the Python side interpolates as disco does).
    const auto& table = disco::equivariant::igso3_table();
    const at::Tensor grid = at::exp(at::linspace(std::log(table.sigma_min()), std::log(table.sigma_max()), 300,
                                                 at::TensorOptions().dtype(at::kDouble)));
    out.insert("igso3/sigma", grid);
    out.insert("igso3/score_norm", table.score_norm(grid));
    // Reference outputs: the forward input and its packed scores; one seeded dock's ranked poses.
    {
      torch::NoGradGuard no_grad;
      out.insert("check/forward_lig_pos", fwd_pos);
      out.insert("check/forward_latents", fwd_latents);
      out.insert("check/forward_t", fwd_t);
      out.insert("check/forward_scores", denoiser.denoise(fwd_batch, fwd_t, fwd_z));
      auto g = at::detail::createCPUGenerator(s.seed + 4242);
      const auto poses = dk::dock_poses(denoiser, prior.get(), example, s, g);
      std::vector<at::Tensor> pos;
      std::vector<double> scores;
      std::vector<int64_t> latents;
      for (const auto& p : poses) {
        pos.push_back(positions_tensor(p.pos));
        scores.push_back(p.model_score);
        latents.insert(latents.end(), p.latents.begin(), p.latents.end());
      }
      out.insert("check/dock_seed", at::tensor(std::vector<int64_t>{int64_t(s.seed + 4242)}));
      out.insert("check/dock_poses", at::stack(pos));
      out.insert("check/dock_scores", at::tensor(scores, at::TensorOptions().dtype(at::kDouble)));
      out.insert("check/dock_latents", at::tensor(latents, at::TensorOptions().dtype(at::kLong)).view({n, s.m}));
      if (prior) {
        // The same dock's latents in sampling order, drawn again as dock_poses draws them: from a generator
        // with the same seed, after the draws of the random start (orientations, torsions, translations).
        // The Python side checks every draw against its own prior and then docks with these latents, so that
        // a near-tie between two node scores cannot send one pose down another trajectory.
        auto g2 = at::detail::createCPUGenerator(s.seed + 4242);
        const int64_t T = int64_t(example.torsions.size());
        at::randn({n, 4}, g2, at::kDouble);                        // uniform_rotation_vectors
        at::rand({n, std::max<int64_t>(T, 1)}, g2, at::kDouble);  // start torsions
        at::randn({n, 3}, g2, at::kDouble);                        // start translations
        const disco::Batch cond = dk::pack_examples(std::vector<const dk::DockingExample*>(size_t(n), &example),
                                                    s.pocket, std::vector<int64_t>(size_t(n), 0));
        const at::Tensor sampled = prior->sample(cond, n, 1.0, 0, g2).to(at::kLong).contiguous();
        // They must be the ranked poses' latents in another order, or dock_poses draws differently now.
        auto rows = [](const at::Tensor& z) {
          std::vector<std::vector<int64_t>> r;
          for (int64_t i = 0; i < z.size(0); ++i)
            r.emplace_back(z[i].data_ptr<int64_t>(), z[i].data_ptr<int64_t>() + z.size(1));
          std::sort(r.begin(), r.end());
          return r;
        };
        const at::Tensor ranked = at::tensor(latents, at::TensorOptions().dtype(at::kLong)).view({n, s.m});
        if (rows(sampled) != rows(ranked))
          throw disco::RuntimeError("disco_bench_docking: the latents drawn again differ from dock_poses' (its "
                                    "random draws before the prior changed; mirror them here)");
        out.insert("check/dock_latents_sampled", sampled);
        out.insert("check/prior_nll", prior->nll(cond, sampled).to(at::kDouble));
      }
    }
    const std::vector<char> bytes = torch::jit::pickle_save(out);
    disco::write_text_atomically(o.export_file, std::string(bytes.begin(), bytes.end()));
  }

  const long peak_rss = peak_rss_kb();
  const int64_t params_denoiser = count_params(denoiser), params_prior = prior ? count_params(*prior) : 0;
  if (o.json) {
    std::printf("{\"impl\": \"disco\", \"torch_version\": \"%s\", \"threads\": %d, \"interop_threads\": %d, "
                "\"size\": \"%lld layers, %s, edge MLP %lld\", \"complex\": \"%s\", "
                "\"param_count\": {\"denoiser\": %lld, \"prior\": %lld}, \"peak_rss_kb\": %ld, \"workloads\": {",
                TORCH_VERSION, at::get_num_threads(), at::get_num_interop_threads(), (long long)s.denoiser.num_layers,
                s.denoiser.hidden_irreps.c_str(), (long long)s.denoiser.mlp_hidden, id.c_str(),
                (long long)params_denoiser, (long long)params_prior, peak_rss);
    std::string sep;
    if (!dock_times.wall.empty()) {
      std::printf("\"dock\": {\"samples\": %lld, \"steps\": %lld, \"warmup\": %d, \"best_score\": %.9g, "
                  "\"seconds\": %s, \"cpu_seconds\": %s}",
                  (long long)n, (long long)o.sample_steps, o.warmup, best_score, json_list(dock_times.wall).c_str(),
                  json_list(dock_times.cpu).c_str());
      sep = ", ";
    }
    if (!forward_times.wall.empty())
      std::printf("%s\"forward\": {\"graphs\": %lld, \"nodes\": %lld, \"edges\": %lld, \"warmup\": %d, "
                  "\"seconds\": %s, \"cpu_seconds\": %s}",
                  sep.c_str(), (long long)n, (long long)graph_nodes, (long long)edges, o.warmup,
                  json_list(forward_times.wall).c_str(), json_list(forward_times.cpu).c_str());
    std::printf("}, \"param_shapes\": {\"denoiser\": %s, \"prior\": %s}}\n", json_shapes(denoiser).c_str(),
                prior ? json_shapes(*prior).c_str() : "{}");
  } else {
    std::printf("disco docking (%s, %s, %s): denoiser %lld, prior %lld parameters; LibTorch %s, %d threads\n",
                o.config.c_str(), o.size.c_str(), id.c_str(), (long long)params_denoiser, (long long)params_prior,
                TORCH_VERSION, at::get_num_threads());
    if (!forward_times.wall.empty())
      std::printf("score network forward (%lld graphs, %lld nodes, %lld edges): median %.1f ms (CPU %.1f ms)\n",
                  (long long)n, (long long)graph_nodes, (long long)edges, 1e3 * median(forward_times.wall),
                  1e3 * median(forward_times.cpu));
    if (!dock_times.wall.empty())
      std::printf("dock %lld poses x %lld steps: median %.2f s (CPU %.2f s), best model score %.4g\n", (long long)n,
                  (long long)o.sample_steps, median(dock_times.wall), median(dock_times.cpu), best_score);
    if (!o.export_file.empty()) std::printf("exported -> %s\n", o.export_file.c_str());
    std::printf("peak RSS %.1f MiB\n", peak_rss / 1024.0);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run_main([&] { return run(parse_args(argc, argv)); });
}
