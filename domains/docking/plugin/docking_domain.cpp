#include "docking_domain.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "disco/atomic_file.h"
#include "disco/error.h"
#include "disco/generate.h"
#include "disco/model.h"
#include "disco_plugin_schema.h"
#include "docking_dataset.h"
#include "docking_networks.h"
#include "confidence_model.h"
#include "metrics.h"
#include "molecule.h"
#include "diffusion/pose_diffusion.h"
#include "pose_sampler.h"

namespace fs = std::filesystem;

namespace disco::docking {

namespace {

Reporter stderr_reporter() {
  Reporter r;
  r.log = [](LogLevel level, const std::string& m) {
    std::fprintf(stderr, "%s%s\n", level == LogLevel::kWarning ? "warning: " : "", m.c_str());
  };
  return r;
}

class DockingDomain : public Domain {
 public:
  std::string name() const override { return "docking"; }
  std::string description() const override {
    return "Protein-ligand docking (DisCo-DiffDock, App. E): SE(3)-equivariant score model over R3 x SO(3) x "
           "torsions, latents that pick nodes of the joint graph";
  }
  std::string schema() const override { return kPluginSchema; }

  std::unique_ptr<Dataset> make_dataset(const Config& config, const std::string& split) const override {
    return load_docking_dataset(docking_settings(config), split, stderr_reporter());
  }
  std::shared_ptr<Encoder> make_encoder(const Config& config) const override {
    return std::make_shared<DockingEncoder>(docking_settings(config));
  }
  std::shared_ptr<Denoiser> make_denoiser(const Config& config) const override {
    return std::make_shared<DockingDenoiser>(docking_settings(config));
  }
  std::shared_ptr<Prior> make_prior(const Config& config) const override {
    return std::make_shared<DockingPrior>(docking_settings(config));
  }
  std::shared_ptr<Diffusion> make_diffusion(const Config& config) const override {
    const DockingSettings s = docking_settings(config);
    return std::make_shared<PoseDiffusion>(s.schedule, s.t_min);
  }
  std::vector<int64_t> state_shape(const Config& config) const override {
    return {config.get_int("data.max_ligand_atoms"), 3};
  }
  Batch sample_conditions(const Config&, int64_t, c10::optional<at::Generator>) const override {
    throw UsageError("docking poses are sampled by `disco dock` (one complex at a time) and `disco eval`, not `disco sample`");
  }
  std::vector<std::string> write_samples(const Config&, const SampleSet&, const std::string&) const override {
    throw UsageError("docking poses are written by `disco dock` and `disco eval`, not `disco sample`");
  }
  Metrics evaluate(EvalContext& ctx) const override;
};

Metrics DockingDomain::evaluate(EvalContext& ctx) const {
  const DockingSettings s = docking_settings(ctx.config);
  auto test = load_docking_dataset(s, "test", ctx.reporter);
  const int64_t count = s.eval_complexes > 0 ? std::min<int64_t>(s.eval_complexes, test->size()) : test->size();
  const std::string dir = ctx.run_dir + "/eval";
  fs::create_directories(dir + "/poses");
  auto gen = at::detail::createCPUGenerator(s.seed + 4242);
  // With RUN/confidence.pt the poses are ranked by the confidence model (unless dock.ranking = "model_score");
  // the model-score ranking is kept for comparison (top1_below_2A_by_model_score), and the AUC either way.
  auto confidence = load_confidence_model(ctx.run_dir, s, device_of(*ctx.model.ema));
  if (s.encoded_latents && !ctx.model.encoder)
    throw UsageError("dock.latents = \"encoded\" needs a DisCo run (latent.m > 0); this one has no encoder");
  std::vector<std::vector<double>> rmsd_by_rank, rmsd_by_model_score;
  std::ostringstream csv, listing;
  csv << "complex,rank,rmsd,model_score,latents,confidence\n";
  listing << "complex,protein,reference_ligand,poses\n";  // what `disco report` shows in 3-D
  double seconds = 0, all_below_2 = 0;
  double prior_nll = 0, uniform_nll = 0;  // of the crystal poses' encoded latents, summed over complexes
  int64_t all_poses = 0;
  std::vector<double> confidence_all;  // every pose's confidence and label, for the AUC
  std::vector<bool> below_2_all;
  for (int64_t i = 0; i < count; ++i) {
    const DockingExample& e = test->examples()[size_t(i)];
    const auto t0 = std::chrono::steady_clock::now();
    // dock.latents = "encoded": every sample gets the crystal pose's latents (an oracle; the prior is not used)
    const at::Tensor given = s.encoded_latents ? encoded_latents(*ctx.model.inference_encoder(), e, s) : at::Tensor();
    if (ctx.model.prior && ctx.model.encoder) {
      const CrystalLatentNll nll = crystal_latent_nll(*ctx.model.inference_encoder(), *ctx.model.prior, e, s);
      prior_nll += nll.prior;
      uniform_nll += nll.uniform;
    }
    auto poses = dock_poses(*ctx.model.ema, ctx.model.prior.get(), e, s, gen, given);
    if (confidence) apply_confidence_model(*confidence, e, poses, s);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<double> rmsds;
    std::vector<RankedPose> ranked;
    for (size_t r = 0; r < poses.size(); ++r) {
      const double d = symmetric_rmsd(e.reference_pos, poses[r].pos, e.automorphisms);
      rmsds.push_back(d);
      all_below_2 += d < 2.0;
      ++all_poses;
      if (poses[r].confidence) {
        confidence_all.push_back(*poses[r].confidence);
        below_2_all.push_back(d < 2.0);
      }
      std::string z;
      for (int64_t v : poses[r].latents) z += (z.empty() ? "" : " ") + std::to_string(v);
      csv << e.id << ',' << r + 1 << ',' << d << ',' << poses[r].model_score << ',' << z << ','
          << (poses[r].confidence ? std::to_string(*poses[r].confidence) : std::string()) << '\n';
      RankedPose rp;
      rp.pos = poses[r].pos;
      // in the order apply_confidence_model left (by confidence or by dock_poses' model score; dock.ranking)
      rp.confidence = poses[r].confidence;
      rp.properties["disco_model_score"] = std::to_string(poses[r].model_score);
      rp.rmsd = d;
      ranked.push_back(rp);
    }
    rmsd_by_rank.push_back(rmsds);
    if (confidence) {  // the same poses in the model-score order (lower first), as without a confidence model
      std::vector<size_t> order(poses.size());
      std::iota(order.begin(), order.end(), size_t(0));
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return poses[a].model_score < poses[b].model_score; });
      std::vector<double> by_score;
      for (size_t j : order) by_score.push_back(rmsds[j]);
      rmsd_by_model_score.push_back(by_score);
    }
    const auto mol = mol_from_block(e.molblock, e.id);
    write_ranked_poses(dir + "/poses/" + e.id + ".sdf", *mol, ranked);
    auto where = [](const std::string& f) { return f.empty() ? f : fs::absolute(f).string(); };
    listing << e.id << ',' << where(e.protein_file) << ',' << where(e.ligand_file)
            << ",poses/" << e.id << ".sdf\n";
    ctx.reporter.info("eval: " + e.id + " top-1 RMSD " + std::to_string(rmsds.front()) + " Å, best " +
                      std::to_string(*std::min_element(rmsds.begin(), rmsds.end())) + " Å (" +
                      std::to_string(i + 1) + "/" + std::to_string(count) + ")");
    ctx.reporter.tick(i + 1, count, seconds, "docking");
  }
  write_text_atomically(dir + "/rmsd.csv", csv.str());
  write_text_atomically(dir + "/complexes.csv", listing.str());
  const PoseSetSummary sum = summarize_poses(rmsd_by_rank);
  double best_below_2 = 0;
  for (const auto& r : rmsd_by_rank) best_below_2 += *std::min_element(r.begin(), r.end()) < 2.0;
  Metrics m;
  m.emplace_back("complexes", double(count));
  m.emplace_back("samples_per_complex", double(s.samples));
  m.emplace_back("steps", double(s.steps));
  m.emplace_back("top1_below_2A", sum.top1_below_2);
  m.emplace_back("top5_below_2A", sum.top5_below_2);
  m.emplace_back("median_top1_rmsd", sum.median_top1);
  m.emplace_back("best_of_n_below_2A", best_below_2 / double(count));
  m.emplace_back("poses_below_2A", all_below_2 / double(std::max<int64_t>(all_poses, 1)));
  m.emplace_back("seconds_per_complex", seconds / double(count));
  m.emplace_back("ranked_by_confidence_model", confidence && s.rank_by_confidence ? 1.0 : 0.0);
  m.emplace_back("latents_encoded_from_crystal", s.encoded_latents ? 1.0 : 0.0);
  if (ctx.model.prior && ctx.model.encoder) {
    // nats per complex: how well the prior predicts the latents the encoder gives the crystal pose
    m.emplace_back("prior_nll_crystal_latents", prior_nll / double(count));
    m.emplace_back("prior_nll_uniform", uniform_nll / double(count));
  }
  if (confidence) {
    const PoseSetSummary by_score = summarize_poses(rmsd_by_model_score);
    m.emplace_back("top1_below_2A_by_model_score", by_score.top1_below_2);
    m.emplace_back("top5_below_2A_by_model_score", by_score.top5_below_2);
    m.emplace_back("median_top1_rmsd_by_model_score", by_score.median_top1);
    // over every pose of every complex (NaN, written as null, when no pose or every pose is within 2 Å)
    m.emplace_back("confidence_auc", roc_auc(confidence_all, below_2_all));
  }
  return m;
}

}  // namespace

std::shared_ptr<Domain> make_docking_domain() { return std::make_shared<DockingDomain>(); }

void register_docking_domain(Registry& registry) { registry.add_domain(make_docking_domain(), "docking"); }

}  // namespace disco::docking
