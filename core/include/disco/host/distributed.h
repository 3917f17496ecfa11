// Data-parallel training over processes, GPUs and nodes on LibTorch's own c10d: ProcessGroupGloo on CPU,
// ProcessGroupNCCL on CUDA, a TCPStore hosted by rank 0 for the rendezvous. docs/distributed.md has the
// launch recipes (disco --nproc, torchrun, SLURM, ssh) and what is guaranteed to be exact.
//
// This header names no c10d type, so a plugin or tool that includes it does not need the Gloo/NCCL headers.
#pragma once
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "disco/config.h"
#include "disco/progress.h"

namespace torch::nn {
class Module;
}  // namespace torch::nn

namespace disco {

// Who this process is in a data-parallel run.
struct WorldInfo {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;        // index on this node: picks the GPU (cuda:local_rank)
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;   // TCPStore (rendezvous) port, hosted by rank 0
  std::string launcher = "single";  // "single", "disco --nproc", "torchrun-style env", "slurm"
  // torchrun's agent already serves the store at MASTER_PORT (TORCHELASTIC_USE_AGENT_STORE=True): every rank is
  // a client, under the key prefix torch.distributed uses there ("/worker/attempt_<restart count>").
  bool store_hosted_by_launcher = false;
  std::string store_prefix;

  bool distributed() const { return world_size > 1; }
  bool is_main() const { return rank == 0; }
};

// Reads the environment an external launcher sets, in this order:
//  1. torchrun style: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT (also what `disco --nproc` sets),
//     and TORCHELASTIC_USE_AGENT_STORE / TORCHELASTIC_RESTART_COUNT;
//  2. SLURM under srun: SLURM_PROCID, SLURM_STEP_NUM_TASKS (set by srun only), SLURM_LOCALID, MASTER_ADDR or
//     the first host of SLURM_STEP_NODELIST / SLURM_JOB_NODELIST, MASTER_PORT or 29500 + SLURM_JOB_ID % 1000;
//  3. otherwise a single process.
// `getenv` is injectable for tests. Inconsistent values (RANK >= WORLD_SIZE, a non-number) are a UsageError.
WorldInfo world_from_environment(const std::function<const char*(const char*)>& getenv = nullptr);

// "node[01-04,07],gpu5" -> "node01": the first host of a SLURM host list.
std::string first_host_of_slurm_nodelist(const std::string& nodelist);

// The [distributed] config table (schemas/core.toml).
struct DistributedOptions {
  std::string backend = "auto";   // auto | gloo | nccl
  double timeout_s = 300;         // rendezvous and every collective; a dead peer is usually noticed at once
  double bucket_mb = 25;          // gradient all-reduce bucket size
  std::string rng = "global";     // global | rank: where each example's random draws come from
  std::string sampler = "random"; // random (with replacement, as a single process) | epoch (a permutation per epoch)
};
DistributedOptions distributed_options_from_config(const Config& config);

// A c10d process group over every rank. Collectives throw RuntimeError when they fail; the message names
// the rank(s) that went away (found through a heartbeat in the store), so a dead worker never hangs the rest.
class Communicator {
 public:
  // Rendezvous at world.master_addr:master_port (rank 0 listens there) and create the process group.
  // Throws RuntimeError when the port is in use, or when not every rank arrives within options.timeout_s.
  static std::shared_ptr<Communicator> create(const WorldInfo& world, const DistributedOptions& options,
                                              const c10::Device& device);
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const;
  int size() const;
  const WorldInfo& world() const;
  std::string backend() const;  // "gloo" or "nccl"

  // An all-reduce under way; finish it with wait().
  class Pending;
  // In-place sum over ranks, asynchronous (c10d runs it on its own threads / stream).
  std::shared_ptr<Pending> allreduce_sum_async(at::Tensor& tensor, const std::string& what);
  void wait(const std::shared_ptr<Pending>& pending);
  void allreduce_sum(at::Tensor& tensor, const std::string& what);
  void broadcast(at::Tensor& tensor, int root, const std::string& what);
  // Concatenation along dim 0 of every rank's `tensor` (same shape on every rank), in rank order.
  at::Tensor allgather_cat(const at::Tensor& tensor, const std::string& what);

  // Copies rank 0's parameters and buffers into every rank (start of training, after a resume).
  void broadcast_module(torch::nn::Module& module);

  struct Impl;

 private:
  explicit Communicator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Starts `nproc` copies of `argv` on this machine with RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
// MASTER_ADDR and MASTER_PORT set (plus DISCO_LOCAL_LAUNCH=1), and watches them:
//  - a worker that dies (non-zero exit or a signal) is reported with its rank, then the others get
//    `grace_s` seconds to stop on their own (their collectives fail as soon as the peer is gone) before they
//    are sent SIGTERM, and SIGKILL after `grace_s` more;
//  - when *stop becomes non-zero (a signal number), it is forwarded once to every worker, which checkpoint
//    and stop; the launcher waits for them.
// Returns the exit code to use: 0 when every worker succeeded, else the first failing worker's code (1 for a
// worker killed by a signal; 128 + signal when the workers stopped because *stop forwarded that signal).
// master_port 0 = a free port picked here.
// Throws RuntimeError when a worker cannot be started and UsageError when the port is already in use.
int run_local_workers(const std::vector<std::string>& argv, int nproc, int master_port, double grace_s,
                      const Reporter& reporter, const std::atomic<int>* stop = nullptr);

// True when `port` on 127.0.0.1/0.0.0.0 can be bound now (false: something listens there).
bool tcp_port_is_free(int port);
// A port the OS reports as free right now (bind to port 0).
int pick_free_tcp_port();

}  // namespace disco
