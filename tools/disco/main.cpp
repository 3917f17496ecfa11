// disco: the command line. Parses, calls the core, prints. Every error is a typed disco::Error caught
// here once and turned into one line on stderr and an exit code (0 ok, 1 runtime, 2 usage/config, 3 plugin).
#include <c10/util/Exception.h>

#include <CLI/CLI.hpp>
#include <boost/dll/runtime_symbol_info.hpp>
#include <cstdio>

#include "commands.h"
#include "disco/error.h"

using namespace disco;
using namespace disco::cli;

namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"disco — DisCo-Diff: diffusion models with learned discrete latents (train, sample, evaluate).\n"
               "Domains are plugins; `disco plugins` lists them."};
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand
  app.set_version_flag("--version", std::string("disco ") + DISCO_VERSION_STRING);
  GlobalOptions global;
  app.add_option("--plugin-path", global.plugin_path,
                 "Plugin directories, ':'-separated, searched before $DISCO_PLUGIN_PATH and the install dir");
  app.add_option("-j,--threads", global.threads, "LibTorch CPU threads; 0 = all cores (default: config key `threads`)")
      ->envname("DISCO_THREADS");
  app.add_option("--device", global.device, "cpu, cuda or auto (default: config key `device`)")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}))
      ->envname("DISCO_DEVICE");
  app.add_flag("-q,--quiet", global.quiet, "Only warnings and errors on stderr");

  TrainArgs train;
  auto* train_cmd = app.add_subcommand("train", "Train a model (stage 1: encoder + denoiser; stage 2: AR prior)");
  train_cmd->add_option("config", train.config, "Experiment TOML file")->required()->check(CLI::ExistingFile);
  train_cmd->add_option("-o,--out", train.out, "Run directory (default: runs/<name>)");
  train_cmd->add_option("-s,--set", train.sets, "Override a config key, e.g. --set train.lr=3e-4 (repeatable)");
  train_cmd->add_flag("-r,--resume", train.resume, "Continue from the newest good checkpoint in the run directory");
  train_cmd->add_option("--nproc", train.nproc,
                         "Data-parallel: start N worker processes on this machine (under torchrun or srun, leave it "
                         "out: the rank comes from the environment; see docs/distributed.md)")
      ->check(CLI::Range(1, 4096))
      ->envname("DISCO_NPROC");
  train.argv.assign(argv, argv + argc);

  SampleArgs sample;
  auto* sample_cmd = app.add_subcommand("sample", "Draw samples from a trained run");
  sample_cmd->add_option("run_dir", sample.run_dir, "Run directory written by `disco train`")->required();
  sample_cmd->add_option("-n,--n", sample.n, "Number of samples (default: sample.n)");
  sample_cmd->add_option("--sampler", sample.sampler,
                         "Sampler: euler, heun, edm-stochastic, restart, ddpm, dpm-solver-2m (default: sample.sampler)");
  sample_cmd->add_option("--steps", sample.steps, "Sampler steps (default: sample.steps)");
  sample_cmd->add_option("--cfg", sample.cfg, "Guidance weight w over latents, >= 0 (default: sample.cfg = 1)")
      ->check(CLI::NonNegativeNumber);
  sample_cmd->add_option("--prior-temperature", sample.prior_temperature, "AR prior temperature (default: 1)")
      ->check(CLI::NonNegativeNumber);
  sample_cmd->add_option("--top-k", sample.top_k, "AR prior top-k, 0 = off (default: 0)")->check(CLI::NonNegativeNumber);
  sample_cmd->add_option("--seed", sample.seed, "Seed (default: the run's seed)")->check(CLI::NonNegativeNumber);
  sample_cmd->add_option("--latents", sample.latents, "Fix the latents instead of sampling the prior, e.g. 3 or 3,0,7");
  sample_cmd->add_option("-o,--out", sample.out, "Output path stem (default: RUN_DIR/samples/samples)");
  sample_cmd->add_option("--sweep", sample.sweep,
                         "Evaluate each setting, e.g. cfg=0,1,2 or steps=10,20,50 or prior_temperature=0.5,1; "
                         "writes RUN_DIR/sweep_NAME.csv and plots/sweep_NAME.png");
  sample_cmd->add_option("-s,--set", sample.sets, "Override a config key of the run for this command, e.g. --set eval.n=1000");

  EvalArgs eval;
  auto* eval_cmd = app.add_subcommand("eval", "Evaluate a trained run; writes RUN_DIR/metrics.json and plots");
  eval_cmd->add_option("run_dir", eval.run_dir, "Run directory")->required();
  eval_cmd->add_option("-s,--set", eval.sets, "Override a config key for this evaluation, e.g. --set eval.n=2000");

  CompareArgs compare;
  auto* compare_cmd = app.add_subcommand("compare", "Metrics of several evaluated runs side by side (mean ± std over -seedN runs)");
  compare_cmd->add_option("run_dirs", compare.run_dirs, "Evaluated run directories")->required();
  compare_cmd->add_option("-o,--out", compare.out, "Write compare.md, compare.csv and overlaid *_vs_t plots here");

  auto* plugins_cmd = app.add_subcommand("plugins", "List plugins found, loaded, and why any failed");

  auto* config_cmd = app.add_subcommand("config", "Check a config file or explain a schema");
  config_cmd->require_subcommand(1);
  std::string check_file, explain_domain;
  std::vector<std::string> check_sets;
  bool markdown = false;
  auto* check_cmd = config_cmd->add_subcommand("check", "Validate an experiment file against the schemas");
  check_cmd->add_option("file", check_file, "Experiment TOML file")->required();
  check_cmd->add_option("-s,--set", check_sets, "Override a config key (repeatable)");
  auto* explain_cmd = config_cmd->add_subcommand("explain", "Print every key of a schema: type, default, range, doc");
  explain_cmd->add_option("domain", explain_domain, "Domain name, or 'core' (default: core)");
  explain_cmd->add_flag("--markdown", markdown, "Print a Markdown table");

  for (auto* sub : {train_cmd, sample_cmd, eval_cmd, compare_cmd, plugins_cmd, config_cmd, check_cmd, explain_cmd})
    sub->option_defaults()->always_capture_default();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  try {
    Session session(global, boost::dll::program_location().string());
    if (*train_cmd) return run_train(session, train);
    if (*sample_cmd) return run_sample(session, sample);
    if (*eval_cmd) return run_eval(session, eval);
    if (*compare_cmd) return run_compare(session, compare);
    if (*plugins_cmd) return run_plugins(session);
    if (*check_cmd) return run_config_check(session, check_file, check_sets);
    if (*explain_cmd) return run_config_explain(session, explain_domain, markdown);
  } catch (const disco::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return e.exit_code();
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "error: LibTorch: %s\n", first_line(e.what_without_backtrace()).c_str());
    return kExitRuntime;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", first_line(e.what()).c_str());
    return kExitRuntime;
  }
  return kExitUsage;
}
