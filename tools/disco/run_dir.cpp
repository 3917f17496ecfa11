#include "run_dir.h"

#include <cmath>
#include <filesystem>
#include <sstream>

#include "disco/atomic_file.h"
#include "disco/host/checkpoint.h"
#include "disco/error.h"

namespace fs = std::filesystem;

namespace disco::cli {

OpenedRun open_run(Session& s, const std::string& run_dir, const std::vector<std::string>& overrides) {
  const std::string config_path = run_dir + "/config.toml";
  if (!fs::exists(config_path))
    throw UsageError("'" + run_dir + "' is not a disco run directory (no config.toml); train one with `disco train`");
  OpenedRun run{run_dir, s.load_config(config_path, overrides), nullptr, {}, ""};
  run.domain = s.domain_for(run.config);
  s.apply_threads(run.config);
  run.model = Model::build(*run.domain, run.config);
  auto ckpts = list_checkpoints(run_dir + "/checkpoints");
  for (auto it = ckpts.rbegin(); it != ckpts.rend(); ++it) {
    try {
      auto contents = load_checkpoint(*it, run.domain->name(), run.model, nullptr, nullptr, nullptr);
      if (contents.state.stage < 3)
        s.term().warn("run '" + run_dir + "' has not finished training (newest checkpoint: stage " +
                      std::to_string(contents.state.stage) + ", step " + std::to_string(contents.state.step) +
                      "); using it anyway");
      if (contents.ema_encoder_from_encoder)
        s.term().warn("'" + *it + "' has no EMA encoder (trained without train.ema_encoder): encoding with the "
                      "trained encoder");
      run.checkpoint = *it;
      break;
    } catch (const DataError& e) {
      s.term().warn(std::string(e.what()) + "; trying an older checkpoint");
    }
  }
  if (run.checkpoint.empty())
    throw UsageError("run '" + run_dir + "' has no usable checkpoint; train it first (`disco train ... --out " + run_dir + "`)");
  run.model.to(s.device(run.config));
  return run;
}

namespace {
std::string json_string(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20) out += ' ';
    else out += c;
  }
  return out + "\"";
}
}  // namespace

void write_metrics_json(const std::string& path, const std::vector<std::pair<std::string, std::string>>& info,
                        const std::vector<std::pair<std::string, double>>& metrics) {
  std::ostringstream j;
  j.precision(10);
  j << "{\n";
  bool first = true;
  for (const auto& [k, v] : info) {
    j << (first ? "" : ",\n") << "  " << json_string(k) << ": " << json_string(v);
    first = false;
  }
  for (const auto& [k, v] : metrics) {
    j << (first ? "" : ",\n") << "  " << json_string(k) << ": ";
    if (std::isfinite(v)) j << v; else j << "null";
    first = false;
  }
  j << "\n}\n";
  write_text_atomically(path, j.str());
}

}  // namespace disco::cli
