#include "trained_run.h"

#include <filesystem>

#include "disco/host/checkpoint.h"
#include "disco/error.h"
#include "disco_plugin_schema.h"
#include "docking_domain.h"

namespace fs = std::filesystem;

namespace disco::docking {

TrainedRun load_trained_run(const std::string& run_dir, const CommandContext& ctx, bool with_confidence) {
  const std::string config_path = run_dir + "/config.toml";
  if (!fs::exists(config_path))
    throw UsageError("--model: '" + run_dir + "' is not a disco run directory (no config.toml)");
  Config config = Config::parse_file(config_path);
  Schema schema = core_schema();
  schema.merge(Schema::parse(kPluginSchema, "schema of plugin 'docking'"));
  config.validate(schema);
  if (config.get_string("domain") != "docking")
    throw UsageError("--model: '" + run_dir + "' is a " + config.get_string("domain") + " run, not a docking run");
  const auto domain = make_docking_domain();
  TrainedRun run{config, docking_settings(config), Model::build(*domain, config), std::nullopt};
  const auto ckpts = list_checkpoints(run_dir + "/checkpoints");
  bool loaded = false;
  for (auto it = ckpts.rbegin(); it != ckpts.rend() && !loaded; ++it) {
    try {
      const auto contents = load_checkpoint(*it, "docking", run.model, nullptr, nullptr, nullptr);
      if (contents.state.stage < 3)
        ctx.reporter.warn("run '" + run_dir + "' has not finished training; using " + *it);
      loaded = true;
    } catch (const DataError& e) {
      ctx.reporter.warn(std::string(e.what()) + "; trying an older checkpoint");
    }
  }
  if (!loaded) throw UsageError("--model: run '" + run_dir + "' has no usable checkpoint; train it first");
  if (!with_confidence) return run;
  run.confidence = load_confidence_model(run_dir, run.settings, device_of(*run.model.ema));
  return run;
}

}  // namespace disco::docking
