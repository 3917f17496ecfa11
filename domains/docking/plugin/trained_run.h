// A trained docking run loaded for use (`disco dock`, `disco confidence`): its config and settings, the model
// from its newest readable checkpoint, and its confidence model when RUN/confidence.pt exists.
#pragma once
#include <optional>
#include <string>

#include "confidence_model.h"
#include "disco/command.h"
#include "disco/config.h"
#include "disco/model.h"
#include "docking_settings.h"

namespace disco::docking {

struct TrainedRun {
  Config config;
  DockingSettings settings;
  Model model;
  std::optional<ConfidenceModel> confidence;
};

// Throws UsageError when `run_dir` is no docking run or has no usable checkpoint (older ones are tried when
// the newest is corrupt, with a warning); warns when training has not finished.
// with_confidence = false skips RUN/confidence.pt (for `disco confidence`, which replaces it).
TrainedRun load_trained_run(const std::string& run_dir, const CommandContext& ctx, bool with_confidence = true);

}  // namespace disco::docking
