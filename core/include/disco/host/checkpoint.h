// Checkpoints: everything a resumed run needs to continue exactly — model, EMA, encoder, prior,
// optimizer states, stage, step and RNG state. Written atomically (temp file + fsync + rename): a kill at
// any moment leaves the previous checkpoint intact.
#pragma once
#include <ATen/core/Generator.h>
#include <torch/optim/optimizer.h>

#include <optional>
#include <string>
#include <vector>

#include "disco/model.h"

namespace disco {

struct TrainState {
  int64_t stage = 1;  // 1 = encoder + denoiser, 2 = prior, 3 = finished
  int64_t step = 0;   // steps completed within `stage`
  // Stage-1 steps the model has had, kept once stage 1 is over so that a finished run can be extended by raising
  // train.steps. -1: unknown (a checkpoint written before this was recorded; the trainer then reads metrics.csv).
  int64_t stage1_steps = -1;
};

struct CheckpointContents {
  std::string domain;
  TrainState state;
  // The model keeps an EMA encoder (train.ema_encoder) but the checkpoint has none (written without it): it was
  // set to the trained encoder.
  bool ema_encoder_from_encoder = false;
};

// Writes `path` atomically. Optimizers may be null (a finished run keeps only weights).
void save_checkpoint(const std::string& path, const std::string& domain, const TrainState& state, Model& model,
                     torch::optim::Optimizer* stage1_optimizer, torch::optim::Optimizer* stage2_optimizer,
                     const at::Generator& generator);

// Loads into an already-built model. A checkpoint of another domain or architecture is a DataError naming
// both. Optimizers/generator may be null to load weights only.
CheckpointContents load_checkpoint(const std::string& path, const std::string& expected_domain, Model& model,
                                   torch::optim::Optimizer* stage1_optimizer,
                                   torch::optim::Optimizer* stage2_optimizer, at::Generator* generator);

// One extra network's weights in the same file format (checksummed trailer, atomic write), for networks a plugin
// trains outside the core's two stages (e.g. docking's confidence model). `kind` and the parameter count are
// recorded and checked on load: another kind or architecture is a DataError naming both.
void save_module_file(const std::string& path, const std::string& kind, torch::nn::Module& module);
void load_module_file(const std::string& path, const std::string& kind, torch::nn::Module& module);

// Checkpoints in `dir` (named ckpt-s<stage>-<step>.pt), oldest first.
std::vector<std::string> list_checkpoints(const std::string& dir);
std::string checkpoint_name(const TrainState& state);
// Deletes the checkpoints of later (stage, step) than `state`: an extended run (TrainState::stage1_steps) leaves
// those of its first ending behind, and they must neither be resumed from nor crowd out the new ones.
void remove_checkpoints_after(const std::string& dir, const TrainState& state);
// Deletes all but the newest `keep` checkpoints.
void prune_checkpoints(const std::string& dir, int64_t keep);

}  // namespace disco
