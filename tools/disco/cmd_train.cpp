#include <torch/cuda.h>
#include <torch/utils.h>

#include <atomic>
#include <boost/dll/runtime_symbol_info.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>

#include "commands.h"
#include "disco/atomic_file.h"
#include "disco/host/distributed.h"
#include "disco/error.h"
#include "disco/model.h"
#include "disco/read_file.h"
#include "disco/host/trainer.h"

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

// `disco train --nproc N`: this process only starts and watches the N workers (copies of this command, which
// find their rank in the environment) and hands back their exit code; rank 0 prints the run directory.
int launch_workers(Session& s, const TrainArgs& a, const Config& config) {
  std::vector<std::string> argv = a.argv;
  argv.at(0) = boost::dll::program_location().string();
  int port = 0;  // 0: pick a free one
  if (const char* p = std::getenv("MASTER_PORT"); p && *p) port = std::atoi(p);
  if (port < 0 || port > 65535) throw UsageError("MASTER_PORT must be a TCP port (got '" + std::string(std::getenv("MASTER_PORT")) + "')");
  const double grace_s = std::min(10.0, config.get_float("distributed.timeout"));
  return run_local_workers(argv, a.nproc, port, grace_s, s.term().reporter(), install_stop_handlers());
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
  const bool resume = a.resume || a.retrain_prior;
  if (!resume && fs::exists(run_dir + "/checkpoints") && !fs::is_empty(run_dir + "/checkpoints"))
    throw UsageError("run directory '" + run_dir + "' already has checkpoints; pass --resume to continue it, or "
                     "--out to train into a new directory");

  // Data parallelism: --nproc N starts N local workers; a worker (or a process started by torchrun / srun) finds
  // its rank in the environment. See docs/distributed.md.
  const WorldInfo world = world_from_environment();
  const bool local_worker = std::getenv("DISCO_LOCAL_LAUNCH") != nullptr;
  if (a.nproc > 1 && world.distributed() && !local_worker)
    throw UsageError("--nproc cannot be combined with an external launcher (this process already has rank " +
                     std::to_string(world.rank) + " of " + std::to_string(world.world_size) + " from " + world.launcher +
                     "); drop --nproc");
  if (a.nproc > 1 && !world.distributed()) return launch_workers(s, a, config);
  const std::string rank_prefix = world.distributed() ? "rank " + std::to_string(world.rank) + ": " : "";

  // Only rank 0 writes into the run directory and logs; the other ranks report warnings and errors.
  Reporter reporter = s.term().reporter();
  std::optional<std::string> previous_config;
  if (world.is_main()) {
    std::error_code ec;
    fs::create_directories(run_dir, ec);
    if (ec) throw RuntimeError("cannot create run directory '" + run_dir + "': " + ec.message());
    // A resume that is refused (e.g. --retrain-prior with another prior network) puts the run's own config back.
    if (resume) previous_config = read_file_if_possible(run_dir + "/config.toml");
    write_text_atomically(run_dir + "/config.toml", config.to_toml());
    s.term().open_log(run_dir + "/log.txt");
  } else {
    Terminal& term = s.term();
    reporter = Reporter{};
    reporter.log = [&term, rank_prefix](LogLevel level, const std::string& m) {
      if (level == LogLevel::kWarning) term.warn(rank_prefix + m);
    };
  }
  int threads = s.apply_threads(config);
  const int requested_threads = s.options().threads >= 0 ? s.options().threads : int(config.get_int("threads"));
  if (const char* local = std::getenv("LOCAL_WORLD_SIZE"); world.distributed() && requested_threads == 0 && local) {
    // "all cores" shared by the workers of this machine, not all cores each.
    threads = std::max(1, int(std::thread::hardware_concurrency()) / std::max(1, std::atoi(local)));
    torch::set_num_threads(threads);
  }
  auto device = s.device(config);
  if (device.is_cuda() && world.distributed())
    device = c10::Device(c10::kCUDA, c10::DeviceIndex(world.local_rank % std::max<int64_t>(1, torch::cuda::device_count())));
  if (world.is_main())
    s.term().info("disco train: domain " + domain->name() + ", run " + run_dir + ", seed " +
                  std::to_string(config.get_int("seed")) + ", " + std::to_string(threads) + " threads, device " +
                  device.str() + ", latents m=" + std::to_string(config.get_int("latent.m")) +
                  " k=" + std::to_string(config.get_int("latent.k")) +
                  (config.get_int("latent.m") == 0 ? " (plain diffusion baseline)" : ""));

  try {
    std::shared_ptr<Communicator> comm;
    if (world.distributed()) {
      if (world.is_main())
        s.term().info("disco train: " + std::to_string(world.world_size) + " ranks (" + world.launcher +
                      "), rendezvous at " + world.master_addr + ":" + std::to_string(world.master_port));
      comm = Communicator::create(world, distributed_options_from_config(config), device);
    }
    // The initial weights come from LibTorch's global generator, which is seeded from /dev/urandom at start-up:
    // seed it, so that a run is reproducible from its seed (and all ranks start equal even before rank 0's
    // weights are broadcast).
    torch::manual_seed(uint64_t(config.get_int("seed")));
    Model model = Model::build(*domain, config);
    model.to(device);
    Trainer trainer(*domain, config, model, run_dir, reporter);
    trainer.set_stop_flag(install_stop_handlers());
    trainer.set_communicator(comm);
    trainer.set_retrain_prior(a.retrain_prior);
    try {
      trainer.run(resume);
    } catch (const InterruptedError& e) {
      throw InterruptedError(rank_prefix + e.what() + ". Resume with: disco train " + a.config + " --out " + run_dir +
                                 " --resume",
                             e.exit_code() - 128);
    } catch (const UsageError&) {
      if (previous_config) write_text_atomically(run_dir + "/config.toml", *previous_config);
      throw;
    }
  } catch (const InterruptedError&) {
    throw;
  } catch (const Error& e) {
    // Several ranks may report at once: say which one is speaking.
    const std::string what = e.what();
    if (rank_prefix.empty() || what.rfind("rank ", 0) == 0) throw;
    throw Error(rank_prefix + what, e.exit_code());
  }
  if (world.is_main()) std::printf("%s\n", run_dir.c_str());  // the result: where the run is
  return kExitOk;
}

}  // namespace disco::cli
