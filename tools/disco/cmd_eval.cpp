#include <cstdio>

#include "commands.h"
#include "disco/error.h"
#include "disco/generate.h"
#include "run_dir.h"

namespace disco::cli {

int run_eval(Session& s, const EvalArgs& a) {
  OpenedRun run = open_run(s, a.run_dir, a.sets);
  s.term().open_log(run.dir + "/log.txt");
  Reporter reporter = s.term().reporter();
  EvalContext ctx{run.config, run.model, run.dir, reporter,
                  [&](const GenerateOptions& o) {
                    return generate(run.model, *run.domain, s.registry(), run.config, o, reporter);
                  },
                  [&] { return generate_options_from_config(run.config); }};
  Metrics metrics = run.domain->evaluate(ctx);
  write_metrics_json(run.dir + "/metrics.json",
                     {{"domain", run.domain->name()},
                      {"run", run.dir},
                      {"checkpoint", run.checkpoint},
                      {"seed", std::to_string(run.config.get_int("seed"))},
                      {"latent_m", std::to_string(run.config.get_int("latent.m"))}},
                     metrics);
  for (const auto& [name, value] : metrics) std::printf("%-28s %.6g\n", name.c_str(), value);
  s.term().info("wrote " + run.dir + "/metrics.json");
  return kExitOk;
}

}  // namespace disco::cli
