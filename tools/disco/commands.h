// The subcommands of `disco`. Each returns the process exit code; errors are thrown as disco::Error and
// caught once in main().
#pragma once
#include <string>
#include <vector>

#include "session.h"

namespace disco::cli {

struct TrainArgs {
  std::string config;
  std::string out;  // run directory; default runs/<name>
  std::vector<std::string> sets;
  bool resume = false;
  bool retrain_prior = false;     // --retrain-prior: stage 2 again on a finished run (implies resume)
  int nproc = 1;                  // --nproc: local worker processes (data-parallel)
  std::vector<std::string> argv;  // this command line, re-run by each worker of --nproc
};
int run_train(Session& s, const TrainArgs& a);

struct SampleArgs {
  std::string run_dir;
  int64_t n = -1;          // -1 = from config
  std::string sampler;     // empty = from config
  int64_t steps = -1;
  double cfg = -1;
  double prior_temperature = -1;
  int64_t top_k = -1;
  int64_t seed = -1;
  std::string latents;     // "i,j,..." fixed latents
  std::string out;         // output path stem; default RUN_DIR/samples/samples
  std::string sweep;       // "cfg=0,1,2" | "steps=..." | "prior_temperature=...": evaluate each setting
  std::vector<std::string> sets;  // config overrides for this command (e.g. eval.n for --sweep)
};
int run_sample(Session& s, const SampleArgs& a);

struct EvalArgs {
  std::string run_dir;
  std::vector<std::string> sets;  // e.g. eval.n=2000
};
int run_eval(Session& s, const EvalArgs& a);

struct CompareArgs {
  std::vector<std::string> run_dirs;
  std::string out;  // directory for the overlaid plots; default: none
};
int run_compare(Session& s, const CompareArgs& a);

struct ReportArgs {
  std::vector<std::string> run_dirs;
  std::string out;    // default: RUN_DIR/report.html for one run, else ./report.html
  std::string title;  // default: the run names
};
// One self-contained HTML page: metrics side by side, training curves, every PNG of the runs, the configs.
int run_report(Session& s, const ReportArgs& a);

int run_plugins(Session& s);
// Prints the newest checkpoint's stage, parameter counts and a digest of each module's weights.
int run_inspect(Session& s, const std::string& run_dir);
int run_config_check(Session& s, const std::string& file, const std::vector<std::string>& sets);
int run_config_explain(Session& s, const std::string& domain, bool markdown);

}  // namespace disco::cli
