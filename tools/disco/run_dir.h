// Opening an existing run directory: its resolved config, its domain and its newest checkpoint.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "disco/config.h"
#include "disco/model.h"
#include "session.h"

namespace disco::cli {

struct OpenedRun {
  std::string dir;
  Config config;
  std::shared_ptr<Domain> domain;
  Model model;
  std::string checkpoint;
};

// Loads RUN_DIR/config.toml (+ overrides), builds the model on the session's device and loads the newest
// readable checkpoint (weights only). Throws UsageError when the run has no finished checkpoint.
OpenedRun open_run(Session& s, const std::string& run_dir, const std::vector<std::string>& overrides = {});

// Flat JSON object of string and number fields, written atomically.
void write_metrics_json(const std::string& path, const std::vector<std::pair<std::string, std::string>>& info,
                        const std::vector<std::pair<std::string, double>>& metrics);

}  // namespace disco::cli
