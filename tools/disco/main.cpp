// disco: the command line. Parses, calls the core, prints. Every error is a typed disco::Error caught
// here once and turned into one line on stderr and an exit code (0 ok, 1 runtime, 2 usage/config, 3 plugin).
#include <c10/util/Exception.h>

#include <CLI/CLI.hpp>
#include <boost/dll/runtime_symbol_info.hpp>
#include <algorithm>
#include <cstdio>

#include "commands.h"
#include "disco/host/allocator.h"
#include "disco/command.h"
#include "disco/error.h"

using namespace disco;
using namespace disco::cli;

namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

void add_global_options(CLI::App& app, GlobalOptions& global) {
  app.add_option("--plugin-path", global.plugin_path,
                 "Plugin directories, ':'-separated, searched before $DISCO_PLUGIN_PATH and the install dir");
  app.add_option("-j,--threads", global.threads, "LibTorch CPU threads; 0 = all cores (default: config key `threads`)")
      ->envname("DISCO_THREADS");
  app.add_option("--device", global.device, "cpu, cuda or auto (default: config key `device`)")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}))
      ->envname("DISCO_DEVICE");
  app.add_flag("-q,--quiet", global.quiet, "Only warnings and errors on stderr");
}

// ---- commands from plugins (disco/command.h) ----
// The command line is [global options] WORD...: a first word that names no built-in subcommand is looked up
// among the commands the plugins registered, and that command parses the rest itself.
struct CommandLineSplit {
  int first_word = -1;  // index in argv; -1 when there is none before an unknown option
  bool help = false;    // -h/--help before it
};

CommandLineSplit split_command_line(const CLI::App& app, int argc, char** argv) {
  CommandLineSplit split;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') {
      split.first_word = i;
      break;
    }
    if (arg == "-h" || arg == "--help") {
      split.help = true;
      continue;
    }
    const bool long_form = arg[1] == '-';
    const auto eq = arg.find('=');
    const std::string name = long_form ? arg.substr(0, eq) : arg.substr(0, 2);
    const CLI::Option* option = app.get_option_no_throw(name);
    if (!option) break;  // unknown to the global options: CLI11 reports it
    const bool value_attached = long_form ? eq != std::string::npos : arg.size() > 2;
    if (option->get_items_expected_max() > 0 && !value_attached) ++i;
  }
  return split;
}

// The global options among argv[1, end): a copy of the main app's, which tolerates everything else.
GlobalOptions parse_global_options(int end, char** argv) {
  GlobalOptions global;
  CLI::App pre;
  add_global_options(pre, global);
  pre.set_help_flag();
  pre.allow_extras();
  try {
    pre.parse(end, argv);
  } catch (const CLI::ParseError& e) {
    throw UsageError(e.what());
  }
  return global;
}

std::string joined(const std::vector<std::string>& words, const std::string& sep) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

// -j/--threads and -q/--quiet written after the first word of a plugin command (`disco dock -j 2 ...`, as the
// built-in commands allow) are taken out of its arguments into `global`; everything after `--` is left alone.
// --plugin-path and --device must come before the command word: the plugins are loaded by then.
std::vector<std::string> take_trailing_global_options(const std::vector<std::string>& args, GlobalOptions& global) {
  std::vector<std::string> rest;
  auto threads_from = [&](const std::string& option, const std::string& text) {
    try {
      size_t end = 0;
      const int n = std::stoi(text, &end);
      if (end == text.size() && n >= 0) return n;
    } catch (const std::exception&) {
    }
    throw UsageError(option + ": expected a thread count >= 0 (0 = all cores), got '" + text + "'");
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      rest.insert(rest.end(), args.begin() + long(i), args.end());
      break;
    }
    if (a == "-q" || a == "--quiet") {
      global.quiet = true;
    } else if (a == "-j" || a == "--threads") {
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      global.threads = threads_from(a, args[++i]);
    } else if (a.rfind("--threads=", 0) == 0) {
      global.threads = threads_from("--threads", a.substr(10));
    } else if (a.size() > 2 && a.rfind("-j", 0) == 0) {
      global.threads = threads_from("-j", a.substr(2));
    } else {
      rest.push_back(a);
    }
  }
  return rest;
}

int run_plugin_command(int argc, char** argv, int first_word, const std::vector<std::string>& builtins) {
  GlobalOptions global = parse_global_options(first_word, argv);
  // Before the session exists, so that a trailing -q reaches its reporter (command words never start with '-').
  const std::vector<std::string> words =
      take_trailing_global_options(std::vector<std::string>(argv + first_word, argv + argc), global);
  Session session(global, boost::dll::program_location().string(), builtins);
  const CommandTable& commands = session.registry().commands();  // loads the plugins, which add their commands
  size_t used = 0;
  const Command* command = commands.find(words, &used);
  if (!command) {
    std::vector<std::string> names, group;
    for (const auto& c : commands.list()) {
      names.push_back(c.name);
      if (command_words(c.name).front() == words.front()) group.push_back("disco " + c.name);
    }
    if (!group.empty())
      throw UsageError("'disco " + words.front() + "' needs a subcommand: " + joined(group, ", "));
    throw UsageError("unknown command '" + words.front() + "' (built-in: " + joined(builtins, ", ") +
                     "; from plugins: " + (names.empty() ? "none loaded" : joined(names, ", ")) +
                     "); see `disco --help`");
  }
  CommandContext context;
  context.program = "disco " + command->name;
  context.args.assign(words.begin() + long(used), words.end());
  context.reporter = session.term().reporter();
  context.threads = global.threads;
  context.quiet = global.quiet;
  return command->run(context);
}

// `disco --help` ends with the commands the plugins added.
std::string plugin_commands_footer(int argc, char** argv, const std::vector<std::string>& builtins) {
  try {
    Session session(parse_global_options(argc, argv), boost::dll::program_location().string(), builtins);
    const CommandTable& commands = session.registry().commands();
    std::string text;
    for (const auto& c : commands.list())
      text += "  " + c.name + std::string(c.name.size() < 22 ? 22 - c.name.size() : 1, ' ') + c.summary + " (" +
              commands.origin_of(c.name) + ")\n";
    return text.empty() ? "" : "Commands from plugins (each has --help):\n" + text;
  } catch (const std::exception&) {
    return "";  // help is printed whatever the plugins do
  }
}

}  // namespace

int main(int argc, char** argv) {
  tune_heap_for_tensors();  // before any tensor exists (disco/host/allocator.h says why)
  CLI::App app{"disco — DisCo-Diff: diffusion models with learned discrete latents (train, sample, evaluate).\n"
               "Domains are plugins; `disco plugins` lists them."};
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand
  app.set_version_flag("--version", std::string("disco ") + DISCO_VERSION_STRING);
  GlobalOptions global;
  add_global_options(app, global);

  TrainArgs train;
  auto* train_cmd = app.add_subcommand("train", "Train a model (stage 1: encoder + denoiser; stage 2: AR prior)");
  train_cmd->add_option("config", train.config, "Experiment TOML file")->required()->check(CLI::ExistingFile);
  train_cmd->add_option("-o,--out", train.out, "Run directory (default: runs/<name>)");
  train_cmd->add_option("-s,--set", train.sets, "Override a config key, e.g. --set train.lr=3e-4 (repeatable)");
  train_cmd->add_flag("-r,--resume", train.resume, "Continue from the newest good checkpoint in the run directory (with a larger train.steps, extend a finished run)");
  train_cmd->add_flag("--retrain-prior", train.retrain_prior,
                      "On a finished run: train the AR prior again from fresh weights with the prior.* settings given "
                      "(e.g. --set prior.lr_schedule=cosine --set prior.steps=4000); the encoder and denoiser are "
                      "kept. Implies --resume");
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
                         "Sampler: euler, heun, edm-stochastic, restart, ddpm, dpm-solver-2m, or one a plugin adds "
                         "(`disco plugins` lists all) (default: sample.sampler)");
  sample_cmd->add_option("--steps", sample.steps, "Sampler steps (default: sample.steps)");
  sample_cmd->add_option("--cfg", sample.cfg, "Guidance weight w over latents, >= 0 (default: sample.cfg = 1)")
      ->check(CLI::NonNegativeNumber);
  sample_cmd->add_option("--prior-temperature", sample.prior_temperature, "AR prior temperature (default: 1)")
      ->check(CLI::NonNegativeNumber);
  sample_cmd->add_option("--top-k", sample.top_k, "AR prior top-k, 0 = off (default: 0)")->check(CLI::NonNegativeNumber);
  sample_cmd->add_option("--seed", sample.seed, "Seed (default: the run's seed)")->check(CLI::NonNegativeNumber);
  sample_cmd->add_option("--latents", sample.latents, "Fix the latents instead of sampling the prior, e.g. 3 or 3,0,7");
  sample_cmd->add_option("-o,--out", sample.out,
                         "Output path stem STEM; the domain adds its endings. image: STEM.png (grid), STEM.csv (class and "
                         "latents of each sample), STEM/000000.png... (every image) and STEM.npz (numpy: arr_0 = uint8 "
                         "N×H×W×C, labels, latents; --set sample.all_images=false: grid and CSV only) "
                         "(default: RUN_DIR/samples/samples)");
  sample_cmd->add_option("--sweep", sample.sweep,
                         "Evaluate each setting, e.g. cfg=0,1,2 or steps=10,20,50 or prior_temperature=0.5,1; "
                         "writes RUN_DIR/sweep_NAME.csv and plots/sweep_NAME.png");
  sample_cmd->add_option("-s,--set", sample.sets, "Override a config key of the run for this command, e.g. --set eval.n=1000");
  sample_cmd->add_option_function<int64_t>(
      "--class", [&](int64_t c) { sample.sets.push_back("sample.class=" + std::to_string(c)); },
      "Class of every sample, for a class-conditional domain (same as --set sample.class=N)");

  EvalArgs eval;
  auto* eval_cmd = app.add_subcommand("eval", "Evaluate a trained run; writes RUN_DIR/metrics.json and plots");
  eval_cmd->add_option("run_dir", eval.run_dir, "Run directory")->required();
  eval_cmd->add_option("-s,--set", eval.sets, "Override a config key for this evaluation, e.g. --set eval.n=2000");
  eval_cmd->add_option_function<std::string>(
      "--inception", [&](const std::string& file) { eval.sets.push_back("eval.inception=" + value_to_toml(Value(file))); },
      "TorchScript Inception network: FID on its 2048-d pool features besides FD (image domain; same as --set eval.inception=FILE)");

  CompareArgs compare;
  auto* compare_cmd = app.add_subcommand("compare", "Metrics of several evaluated runs side by side (mean ± std over -seedN runs)");
  compare_cmd->add_option("run_dirs", compare.run_dirs, "Evaluated run directories")->required();
  compare_cmd->add_option("-o,--out", compare.out, "Write compare.md, compare.csv and overlaid *_vs_t plots here");

  ReportArgs report;
  auto* report_cmd = app.add_subcommand(
      "report", "One self-contained HTML page (works offline) comparing runs: metrics, training curves, plots, configs");
  report_cmd->add_option("run_dirs", report.run_dirs, "Run directories (evaluate them first for metrics and plots)")
      ->required();
  report_cmd->add_option("-o,--out", report.out, "Output HTML file (default: RUN_DIR/report.html for one run, else report.html)");
  report_cmd->add_option("--title", report.title, "Page title (default: the run names)");

  auto* plugins_cmd = app.add_subcommand("plugins", "List plugins found, loaded, and why any failed");

  std::string inspect_dir;
  auto* inspect_cmd = app.add_subcommand(
      "inspect", "Show a run's newest checkpoint: parameter counts and a digest of each module's weights "
                 "(equal digests = bit-identical weights)");
  inspect_cmd->add_option("run_dir", inspect_dir, "Run directory")->required();

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

  for (auto* sub : {train_cmd, sample_cmd, eval_cmd, compare_cmd, report_cmd, plugins_cmd, inspect_cmd, config_cmd, check_cmd, explain_cmd})
    sub->option_defaults()->always_capture_default();

  std::vector<std::string> builtins;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) builtins.push_back(sub->get_name());
  const auto split = split_command_line(app, argc, argv);
  const bool plugin_command = split.first_word > 0 && std::find(builtins.begin(), builtins.end(),
                                                                argv[split.first_word]) == builtins.end();
  if (!plugin_command) {
    if (split.help && split.first_word < 0) app.footer(plugin_commands_footer(argc, argv, builtins));
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      const int code = app.exit(e);
      return code == 0 ? kExitOk : kExitUsage;
    }
  }

  try {
    if (plugin_command) return run_plugin_command(argc, argv, split.first_word, builtins);
    Session session(global, boost::dll::program_location().string(), builtins);
    if (*train_cmd) return run_train(session, train);
    if (*sample_cmd) return run_sample(session, sample);
    if (*eval_cmd) return run_eval(session, eval);
    if (*compare_cmd) return run_compare(session, compare);
    if (*report_cmd) return run_report(session, report);
    if (*plugins_cmd) return run_plugins(session);
    if (*inspect_cmd) return run_inspect(session, inspect_dir);
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
