// The docking domain's settings, read once from the config (keys in domains/docking/schema.toml).
#pragma once
#include <string>

#include "disco/config.h"
#include "docking_example.h"
#include "diffusion/pose_sampler_step.h"
#include "equivariant/score_model.h"
#include "joint_graph.h"

namespace disco::docking {

struct DockingSettings {
  // data
  std::string root, test_root, train_split, test_split, cache_dir;
  int64_t synthetic_count = 16;
  int64_t limit = 0;
  bool conformer_matching = false;  // conformer_targets.h
  PocketOptions pocket;
  EdgeRadii radii;
  // diffusion
  equivariant::ProductSpaceSchedule schedule;
  double t_min = 0.0;
  // networks
  equivariant::ScoreModelOptions denoiser, encoder, prior;
  int64_t m = 0, k = 1;
  // The prior's network: "own" (a separate network of model.prior_* size) or "denoiser" (the paper: a copy of
  // the trained denoiser's layers, frozen for the first prior_freeze_steps steps of stage 2, then tuned).
  std::string prior_backbone = "own";
  int64_t prior_freeze_steps = 0;
  // confidence model (`disco confidence`, confidence_model.h)
  equivariant::ScoreModelOptions confidence;
  struct ConfidenceTraining {
    int64_t complexes = 200, poses = 16, steps = 2000, batch_size = 16;
    double lr = 1e-3, holdout = 0.2;
  } confidence_training;
  // docking
  int64_t samples = 40, steps = 20;
  equivariant::ComponentTemperatures temperatures;
  equivariant::Sharpening sharpening;
  bool rank_by_confidence = true;  // dock.ranking: "confidence" (when the run has a confidence model) or "model_score"
  bool encoded_latents = false;    // dock.latents = "encoded": disco eval takes the crystal pose's encoded latents
  double prior_temperature = 1.0;  // sample.prior_temperature: the AR prior's temperature when it draws the latents
  int64_t eval_complexes = 0;
  uint64_t seed = 0;
};

DockingSettings docking_settings(const Config& config);

}  // namespace disco::docking
