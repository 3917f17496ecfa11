// The docking model shipped with disco: what `disco dock` uses when no --model is given.
//
// A shipped model is a run directory under a models folder, MODELS/docking/<name>/: config.toml, checkpoints/ with
// one checkpoint, MODEL_CARD.md (data, split, config, steps, metrics) and SHA256SUMS. The models folder is
//   1. $DISCO_MODELS_DIR, when set (it must then hold the model: no silent fallback to another one);
//   2. else <directory of the disco executable>/<DISCO_MODELS_DIR_FROM_BIN>: ../share/disco/models, where
//      `cmake --install` puts the repository's models/ folder and where the build tree links it
//      (build/share/disco/models/docking -> <source>/models/docking).
#pragma once
#include <string>
#include <vector>

namespace disco::docking {

inline constexpr const char* kShippedDockingModel = "docking/disco-dsdp";

// The models folders to search, in order, for an executable at `exe` (the environment is read here).
std::vector<std::string> models_search_path(const std::string& exe);

// The shipped model's directory, checked: config.toml and SHA256SUMS present, every file SHA256SUMS names
// present with that SHA-256, and exactly one checkpoint. Throws UsageError (one line) when no searched folder
// holds it, naming where it looked, and DataError (one line, naming the file) when it is there but incomplete or
// corrupt.
std::string find_shipped_docking_model(const std::string& exe);

}  // namespace disco::docking
