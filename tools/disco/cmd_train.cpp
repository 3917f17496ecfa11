#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>

#include "commands.h"
#include "disco/atomic_file.h"
#include "disco/error.h"
#include "disco/model.h"
#include "disco/trainer.h"

namespace fs = std::filesystem;

namespace disco::cli {

namespace {
std::atomic<int> g_stop_signal{0};
extern "C" void on_stop_signal(int sig) {
  if (g_stop_signal.load() != 0) std::_Exit(128 + sig);  // a second Ctrl-C: stop now, the checkpoints are safe
  g_stop_signal.store(sig);
}
// SIGINT/SIGTERM ask the trainer to stop after the current step (see Trainer::set_stop_flag).
const std::atomic<int>* install_stop_handlers() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  return &g_stop_signal;
}
}  // namespace

int run_train(Session& s, const TrainArgs& a) {
  Config config = s.load_config(a.config, a.sets);
  auto domain = s.domain_for(config);
  std::string run_dir = a.out;
  if (run_dir.empty()) {
    const auto& name = config.get_string("name");
    run_dir = "runs/" + (name.empty() ? fs::path(a.config).stem().string() : name);
  }
  if (!a.resume && fs::exists(run_dir + "/checkpoints") && !fs::is_empty(run_dir + "/checkpoints"))
    throw UsageError("run directory '" + run_dir + "' already has checkpoints; pass --resume to continue it, or "
                     "--out to train into a new directory");
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  if (ec) throw RuntimeError("cannot create run directory '" + run_dir + "': " + ec.message());
  write_text_atomically(run_dir + "/config.toml", config.to_toml());
  s.term().open_log(run_dir + "/log.txt");
  const int threads = s.apply_threads(config);
  const auto device = s.device(config);
  s.term().info("disco train: domain " + domain->name() + ", run " + run_dir + ", seed " +
                std::to_string(config.get_int("seed")) + ", " + std::to_string(threads) + " threads, device " +
                device.str() + ", latents m=" + std::to_string(config.get_int("latent.m")) +
                " k=" + std::to_string(config.get_int("latent.k")) +
                (config.get_int("latent.m") == 0 ? " (plain diffusion baseline)" : ""));
  Model model = Model::build(*domain, config);
  model.to(device);
  Trainer trainer(*domain, config, model, run_dir, s.term().reporter());
  trainer.set_stop_flag(install_stop_handlers());
  try {
    trainer.run(a.resume);
  } catch (const InterruptedError& e) {
    throw InterruptedError(std::string(e.what()) + ". Resume with: disco train " + a.config + " --out " + run_dir +
                               " --resume",
                           e.exit_code() - 128);
  }
  std::printf("%s\n", run_dir.c_str());  // the result: where the run is
  return kExitOk;
}

}  // namespace disco::cli
