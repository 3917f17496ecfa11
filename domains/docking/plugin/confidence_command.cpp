// `disco confidence`: trains the confidence model of a docking run (confidence_model.h) on the run's own poses.
//
//   disco confidence --model RUN [--complexes N] [--poses P] [--steps S] [--seed S]
//
// 1. Docks P poses for each of N training complexes (the run's data.* settings, shuffled by the seed) with the
//    trained score model and prior, and labels each pose by its symmetry-corrected RMSD to the crystal pose
//    (< 2 Å = positive). Written to RUN/confidence/poses.csv.
// 2. Holds out the last confidence.holdout of those complexes and trains the network on the rest (binary
//    cross-entropy; batches drawn half positive, half negative when both exist, since good poses are rare).
// 3. Measures on the held-out complexes: ROC AUC over poses, and the fraction of complexes whose top-ranked
//    pose is within 2 Å when ranked by the confidence model, by the model's own score, and at best (oracle).
//    Written to RUN/confidence/metrics.json; the weights to RUN/confidence.pt (atomically, checksummed).
// The held-out complexes come from the score model's own training set, so they measure the ranking, not
// generalisation to new proteins: `disco eval` on test complexes does that.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "commands.h"
#include "confidence_model.h"
#include "disco/atomic_file.h"
#include "disco/host/checkpoint.h"
#include "disco/error.h"
#include "disco/host/trainer.h"
#include "docking_dataset.h"
#include "metrics.h"
#include "pose_sampler.h"
#include "trained_run.h"

namespace fs = std::filesystem;

namespace disco::docking {

namespace {

struct LabelledPose {
  int64_t complex = 0;  // index into the dataset
  std::vector<Vec3> pos;
  double rmsd = 0, model_score = 0;
  bool holdout = false;
};

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  std::ostringstream s;
  s.precision(6);
  s << v;
  return s.str();
}

}  // namespace

int run_confidence(const CommandContext& ctx) {
  CLI::App app{"Train the confidence model of a docking run on its own poses (RUN/confidence.pt).\n"
               "`disco dock` and `disco eval` then write its probability (disco_confidence) and rank unrefined poses by it\n"
               "unless dock.ranking = \"model_score\".",
               ctx.program};
  std::string model_dir;
  int64_t complexes = -1, poses_per_complex = 0, steps = 0, seed = -1;
  app.add_option("--model", model_dir, "Run directory of a trained docking model")->required();
  app.add_option("--complexes", complexes, "Training complexes to dock (default: the run's confidence.complexes; 0 = all)");
  app.add_option("--poses", poses_per_complex, "Poses per complex (default: confidence.poses)");
  app.add_option("--steps", steps, "Training steps (default: confidence.steps)");
  app.add_option("--seed", seed, "Seed of the complex order, the sampler and the batches (default: the run's seed)");
  if (!parse_command_args(app, ctx)) return 0;

  TrainedRun run = load_trained_run(model_dir, ctx, /*with_confidence=*/false);
  apply_threads(ctx.threads, run.config);  // -j, else the run's `threads`
  DockingSettings s = run.settings;
  auto& ct = s.confidence_training;
  if (complexes >= 0) ct.complexes = complexes;
  if (poses_per_complex > 0) ct.poses = poses_per_complex;
  if (steps > 0) ct.steps = steps;
  if (seed >= 0) s.seed = uint64_t(seed);
  s.samples = ct.poses;
  if (ct.poses < 2) throw UsageError("--poses: need at least 2 poses per complex");

  auto data = load_docking_dataset(s, "train", ctx.reporter);
  auto gen = at::detail::createCPUGenerator(s.seed + 977);
  const at::Tensor order = at::randperm(data->size(), gen, at::TensorOptions().dtype(at::kLong));
  const int64_t n = ct.complexes > 0 ? std::min<int64_t>(ct.complexes, data->size()) : data->size();
  const int64_t n_holdout = ct.holdout > 0 && n >= 2 ? std::max<int64_t>(1, int64_t(std::lround(ct.holdout * n))) : 0;
  if (n - n_holdout < 1) throw UsageError("confidence: need at least one training complex (have " + std::to_string(n) + ")");

  // 1. Poses of the run's own sampler, labelled by RMSD.
  std::vector<LabelledPose> poses;
  std::ostringstream csv;
  csv << "complex,holdout,pose,rmsd,model_score\n";
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = order[i].item<int64_t>();
    const DockingExample& e = data->examples()[size_t(c)];
    const bool holdout = i >= n - n_holdout;
    const auto docked = dock_poses(*run.model.ema, run.model.prior.get(), e, s, gen);
    for (size_t r = 0; r < docked.size(); ++r) {
      LabelledPose p{c, docked[r].pos, symmetric_rmsd(e.reference_pos, docked[r].pos, e.automorphisms), docked[r].model_score,
                     holdout};
      csv << e.id << ',' << (holdout ? 1 : 0) << ',' << r + 1 << ',' << p.rmsd << ',' << p.model_score << '\n';
      poses.push_back(std::move(p));
    }
    ctx.reporter.tick(i + 1, n, elapsed(), "docking training complexes");
    if ((i + 1) % std::max<int64_t>(1, n / 20) == 0 || i + 1 == n)  // the bar draws only on a terminal; a log gets lines
      ctx.reporter.info("confidence: docked " + std::to_string(i + 1) + "/" + std::to_string(n) + " complexes (" +
                        std::to_string(int64_t(elapsed())) + " s)");
  }
  fs::create_directories(model_dir + "/confidence");
  write_text_atomically(model_dir + "/confidence/poses.csv", csv.str());
  std::vector<size_t> train_pos, train_neg;
  for (size_t i = 0; i < poses.size(); ++i)
    if (!poses[i].holdout) (poses[i].rmsd < 2.0 ? train_pos : train_neg).push_back(i);
  ctx.reporter.info("confidence: " + std::to_string(train_pos.size() + train_neg.size()) + " training poses (" +
                    std::to_string(train_pos.size()) + " within 2 Å) from " + std::to_string(n - n_holdout) +
                    " complexes, " + std::to_string(n_holdout) + " complexes held out, " + std::to_string(int(elapsed())) + " s");
  if (train_pos.empty())
    ctx.reporter.warn("confidence: no training pose is within 2 Å; the model can only learn that every pose is bad "
                      "(train the score model longer, or dock more complexes)");

  // 2. Training.
  ConfidenceModel model(s.confidence, s.radii);
  const auto device = device_of(*run.model.ema);
  model->to(device);
  model->train();
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(ct.lr));
  const bool balanced = !train_pos.empty() && !train_neg.empty();
  std::vector<size_t> train_all = train_pos;
  train_all.insert(train_all.end(), train_neg.begin(), train_neg.end());
  double loss_sum = 0;
  int64_t loss_n = 0;
  const auto t1 = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < ct.steps; ++step) {
    std::vector<const DockingExample*> ex;
    std::vector<const std::vector<Vec3>*> pos;
    std::vector<float> label;
    for (int64_t b = 0; b < ct.batch_size; ++b) {
      const std::vector<size_t>& pool = balanced ? (b % 2 == 0 ? train_pos : train_neg) : train_all;
      const size_t i = pool[size_t(at::randint(int64_t(pool.size()), {1}, gen, at::kLong).item<int64_t>())];
      ex.push_back(&data->examples()[size_t(poses[i].complex)]);
      pos.push_back(&poses[i].pos);
      label.push_back(poses[i].rmsd < 2.0 ? 1.0f : 0.0f);
    }
    const Batch batch = pack_posed(ex, pos, s.pocket).to(device);
    const at::Tensor y = at::tensor(label).to(device);
    const at::Tensor loss = at::binary_cross_entropy_with_logits(model->forward(batch), y);
    opt.zero_grad();
    loss.backward();
    const double lr = cosine_decay(ct.lr, step, ct.steps);
    for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    opt.step();
    loss_sum += loss.item<double>();
    ++loss_n;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    ctx.reporter.tick(step + 1, ct.steps, secs, "training the confidence model");
    if ((step + 1) % std::max<int64_t>(1, ct.steps / 10) == 0 || step + 1 == ct.steps) {
      ctx.reporter.info("confidence step " + std::to_string(step + 1) + "/" + std::to_string(ct.steps) + " loss " +
                        std::to_string(loss_sum / double(loss_n)));
      loss_sum = 0;
      loss_n = 0;
    }
  }
  model->eval();

  // 3. Held-out measurement (and the same on the training complexes, for reference).
  auto measure = [&](bool holdout) {
    std::map<int64_t, std::vector<size_t>> by_complex;
    for (size_t i = 0; i < poses.size(); ++i)
      if (poses[i].holdout == holdout) by_complex[poses[i].complex].push_back(i);
    std::vector<double> conf_all;
    std::vector<bool> label_all;
    double top1_conf = 0, top1_score = 0, oracle = 0;
    for (const auto& [c, idx] : by_complex) {
      std::vector<const std::vector<Vec3>*> pos;
      for (size_t i : idx) pos.push_back(&poses[i].pos);
      const std::vector<double> conf = pose_confidences(model, data->examples()[size_t(c)], pos, s);
      size_t best_conf = 0, best_score = 0;
      double best_rmsd = 1e30;
      for (size_t j = 0; j < idx.size(); ++j) {
        conf_all.push_back(conf[j]);
        label_all.push_back(poses[idx[j]].rmsd < 2.0);
        if (conf[j] > conf[best_conf]) best_conf = j;
        if (poses[idx[j]].model_score < poses[idx[best_score]].model_score) best_score = j;
        best_rmsd = std::min(best_rmsd, poses[idx[j]].rmsd);
      }
      top1_conf += poses[idx[best_conf]].rmsd < 2.0;
      top1_score += poses[idx[best_score]].rmsd < 2.0;
      oracle += best_rmsd < 2.0;
    }
    const double m = std::max<double>(1.0, double(by_complex.size()));
    std::ostringstream j;
    j << "{\"complexes\": " << by_complex.size() << ", \"poses\": " << conf_all.size()
      << ", \"poses_below_2A\": " << std::count(label_all.begin(), label_all.end(), true)
      << ", \"auc\": " << json_number(roc_auc(conf_all, label_all))
      << ", \"top1_below_2A_by_confidence\": " << json_number(top1_conf / m)
      << ", \"top1_below_2A_by_model_score\": " << json_number(top1_score / m)
      << ", \"best_of_n_below_2A\": " << json_number(oracle / m) << "}";
    return std::make_pair(j.str(), std::array<double, 4>{roc_auc(conf_all, label_all), top1_conf / m, top1_score / m, oracle / m});
  };
  const auto [train_json, train_m] = measure(false);
  const auto [holdout_json, holdout_m] = n_holdout > 0 ? measure(true) : std::make_pair(std::string("null"), std::array<double, 4>{});
  std::ostringstream metrics;
  metrics << "{\n  \"training\": " << train_json << ",\n  \"holdout\": " << holdout_json << ",\n  \"poses_per_complex\": "
          << ct.poses << ",\n  \"steps\": " << ct.steps << ",\n  \"seconds\": " << json_number(elapsed()) << "\n}\n";
  write_text_atomically(model_dir + "/confidence/metrics.json", metrics.str());
  save_module_file(confidence_model_path(model_dir), kConfidenceKind, *model);
  std::printf("confidence model: %s (metrics: %s/confidence/metrics.json)\n", confidence_model_path(model_dir).c_str(),
              model_dir.c_str());
  std::printf("| complexes | AUC | top-1 < 2 Å by confidence | by model score | best of %lld |\n|---|---|---|---|---|\n",
              (long long)ct.poses);
  auto row = [](const char* name, const std::array<double, 4>& v) {
    std::printf("| %s | %.3f | %.3f | %.3f | %.3f |\n", name, v[0], v[1], v[2], v[3]);
  };
  row("training", train_m);
  if (n_holdout > 0) row("held out", holdout_m);
  return 0;
}

}  // namespace disco::docking
