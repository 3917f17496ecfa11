// Data-parallel pieces: the launcher environment (torchrun style, SLURM), the epoch sampler, the local launcher,
// and, over real c10d Gloo on loopback between processes started by run_local_workers: collectives, the
// bucketed gradient all-reduce (equal to the full-batch gradient, overlapped with backward) and the message
// naming a dead rank.
//
// The multi-process cases re-run this test binary as the workers (`-tc=...`, recognised by DISCO_LOCAL_LAUNCH),
// since fork() without exec is not safe once LibTorch's thread pools exist.
#include <ATen/ATen.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <thread>

#include "disco/host/distributed.h"
#include "disco/error.h"
#include "distributed/reducer.h"
#include "distributed/sampler.h"
#include <doctest/doctest.h>

using namespace disco;

namespace {

std::function<const char*(const char*)> env_of(const std::map<std::string, std::string>& vars) {
  return [vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

bool spawned_worker() { return std::getenv("DISCO_LOCAL_LAUNCH") != nullptr; }

// Runs this binary's test case `name` as `nproc` ranks; returns the launcher's exit code.
int run_workers(const std::string& name, int nproc, double grace_s = 5) {
  return run_local_workers({"/proc/self/exe", "-tc=" + name, "--no-version"}, nproc, 0, grace_s, Reporter{});
}

}  // namespace

TEST_CASE("world from torchrun-style variables, SLURM, or a single process") {
  auto single = world_from_environment(env_of({}));
  CHECK(single.world_size == 1);
  CHECK(single.rank == 0);
  CHECK_FALSE(single.distributed());

  auto tr = world_from_environment(env_of({{"RANK", "3"}, {"WORLD_SIZE", "8"}, {"LOCAL_RANK", "1"},
                                           {"MASTER_ADDR", "node7"}, {"MASTER_PORT", "1234"}}));
  CHECK(tr.rank == 3);
  CHECK(tr.world_size == 8);
  CHECK(tr.local_rank == 1);
  CHECK(tr.master_addr == "node7");
  CHECK(tr.master_port == 1234);
  CHECK(tr.launcher == "torchrun-style env");

  auto slurm = world_from_environment(env_of({{"SLURM_PROCID", "5"}, {"SLURM_STEP_NUM_TASKS", "8"}, {"SLURM_NTASKS", "16"},
                                              {"SLURM_LOCALID", "1"}, {"SLURM_STEP_NODELIST", "gpu[07-08,11]"},
                                              {"SLURM_JOB_ID", "123456"}}));
  CHECK(slurm.rank == 5);
  CHECK(slurm.world_size == 8);  // the step's tasks, not the allocation's
  CHECK(slurm.local_rank == 1);
  CHECK(slurm.master_addr == "gpu07");
  CHECK(slurm.master_port == 29500 + 456);
  CHECK(slurm.launcher == "slurm");
  // A batch script (no srun) has SLURM_NTASKS of the allocation but is one process.
  CHECK(world_from_environment(env_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "16"}, {"SLURM_JOB_NODELIST", "n[1-4]"}}))
            .world_size == 1);
  // torchrun-style variables win over SLURM's (torchrun inside an allocation).
  CHECK(world_from_environment(env_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "4"}}))
            .world_size == 2);

  // torchrun's agent serves the store: every rank is a client, under torch.distributed's key prefix.
  auto agent = world_from_environment(env_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                                              {"TORCHELASTIC_RESTART_COUNT", "2"}}));
  CHECK(agent.store_hosted_by_launcher);
  CHECK(agent.store_prefix == "/worker/attempt_2");
  CHECK_FALSE(tr.store_hosted_by_launcher);

  CHECK_THROWS_AS(world_from_environment(env_of({{"RANK", "2"}, {"WORLD_SIZE", "2"}})), UsageError);
  CHECK_THROWS_AS(world_from_environment(env_of({{"RANK", "0"}})), UsageError);
  CHECK_THROWS_AS(world_from_environment(env_of({{"RANK", "x"}, {"WORLD_SIZE", "2"}})), UsageError);
}

TEST_CASE("first host of a SLURM node list") {
  CHECK(first_host_of_slurm_nodelist("node01") == "node01");
  CHECK(first_host_of_slurm_nodelist("a,b") == "a");
  CHECK(first_host_of_slurm_nodelist("node[01-04,07]") == "node01");
  CHECK(first_host_of_slurm_nodelist("node[3,5-6],gpu1") == "node3");
  CHECK(first_host_of_slurm_nodelist("rack1-n[10-12]-ib") == "rack1-n10-ib");
}

TEST_CASE("epoch sampler: disjoint shards, each example once per epoch, independent of the world size") {
  const int64_t n = 40, batch = 5;
  const int world = 4;
  std::vector<EpochSampler> ranks;
  for (int r = 0; r < world; ++r) ranks.emplace_back(n, batch, world, r, 7);
  // Two steps of 4 x 5 = one epoch: every example exactly once, no two ranks share one.
  std::set<int64_t> seen;
  for (int64_t step = 0; step < 2; ++step)
    for (int r = 0; r < world; ++r) {
      auto idx = ranks[r].local_indices(step);
      REQUIRE(idx.size(0) == batch);
      for (int64_t i = 0; i < batch; ++i) CHECK(seen.insert(idx[i].item<int64_t>()).second);
      CHECK(at::equal(idx, ranks[0].global_indices(step).narrow(0, r * batch, batch)));
    }
  CHECK(seen.size() == size_t(n));
  CHECK(ranks[0].epoch(1) == 0);
  CHECK(ranks[0].epoch(2) == 1);
  // The next epoch is another permutation, the same one on every call (deterministic per epoch).
  CHECK_FALSE(at::equal(ranks[0].global_indices(2), ranks[0].global_indices(0)));
  EpochSampler again(n, batch, world, 2, 7);
  CHECK(at::equal(again.local_indices(3), ranks[2].local_indices(3)));
  // 1 rank with batch 20 sees what 4 ranks with batch 5 see together.
  EpochSampler one(n, world * batch, 1, 0, 7);
  for (int64_t step = 0; step < 5; ++step) CHECK(at::equal(one.global_indices(step), ranks[1].global_indices(step)));
  // A global batch that does not divide n runs across the epoch boundary without dropping anything.
  EpochSampler odd(7, 3, 1, 0, 1);
  std::vector<int64_t> stream;
  for (int64_t step = 0; step < 7; ++step) {
    auto idx = odd.global_indices(step);
    for (int64_t i = 0; i < 3; ++i) stream.push_back(idx[i].item<int64_t>());
  }
  for (int e = 0; e < 3; ++e) CHECK(std::set<int64_t>(stream.begin() + 7 * e, stream.begin() + 7 * e + 7).size() == 7);
}

TEST_CASE("local launcher: exit codes, a failing worker stops the rest in bounded time, port in use") {
  if (spawned_worker()) return;
  CHECK(run_local_workers({"/bin/sh", "-c", "test \"$WORLD_SIZE\" = 3 && test \"$RANK\" -lt 3"}, 3, 0, 1, Reporter{}) == 0);
  // Rank 1 fails at once; rank 0 would sleep for a minute: it gets SIGTERM after the 1 s grace.
  std::string warnings;
  Reporter r;
  r.log = [&](LogLevel level, const std::string& m) {
    if (level == LogLevel::kWarning) warnings += m + "\n";
  };
  const auto t0 = std::chrono::steady_clock::now();
  const int code = run_local_workers({"/bin/sh", "-c", "if [ $RANK = 1 ]; then exit 3; fi; sleep 60"}, 2, 0, 1, r);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(code == 3);
  CHECK(seconds < 10);
  CHECK(warnings.find("worker rank 1") != std::string::npos);
  CHECK(warnings.find("exited with code 3") != std::string::npos);
  // A killed worker: reported with its signal, the launcher's code is 1 (a runtime failure).
  CHECK(run_local_workers({"/bin/sh", "-c", "if [ $RANK = 0 ]; then kill -9 $$; fi; sleep 60"}, 2, 0, 1, r) == 1);
  CHECK(warnings.find("was killed by signal 9") != std::string::npos);

  // Port in use: something listens on it.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int busy = ntohs(addr.sin_port);
  CHECK_FALSE(tcp_port_is_free(busy));
  CHECK_THROWS_WITH_AS(run_local_workers({"/bin/true"}, 2, busy, 1, Reporter{}),
                       doctest::Contains("already in use"), UsageError);
  ::close(fd);
}

// ---- over c10d Gloo, two processes on loopback ----

namespace {
DistributedOptions test_options(double bucket_mb = 25) {
  DistributedOptions o;
  o.backend = "gloo";
  o.timeout_s = 30;
  o.bucket_mb = bucket_mb;
  return o;
}
}  // namespace

TEST_CASE("gloo worker (spawned): collectives and the bucketed gradient all-reduce") {
  if (!spawned_worker()) return;
  torch::set_num_threads(1);
  const WorldInfo w = world_from_environment();
  REQUIRE(w.world_size == 2);
  auto comm = Communicator::create(w, test_options(), at::kCPU);
  CHECK(comm->backend() == "gloo");

  auto t = at::full({3}, double(w.rank + 1), at::kDouble);
  comm->allreduce_sum(t, "test all-reduce");
  CHECK(at::equal(t, at::full({3}, 3.0, at::kDouble)));
  auto b = at::full({2}, double(10 * w.rank + 5), at::kDouble);
  comm->broadcast(b, 0, "test broadcast");
  CHECK(at::equal(b, at::full({2}, 5.0, at::kDouble)));
  auto g = comm->allgather_cat(at::full({1, 2}, int64_t(w.rank), at::kLong), "test all-gather");
  CHECK(at::equal(g, at::tensor({0, 0, 1, 1}, at::kLong).reshape({2, 2})));

  // The same model on both ranks (rank 0's weights broadcast); each rank has half of a batch of 8.
  torch::manual_seed(100 + w.rank);  // different initial weights: broadcast_module must align them
  torch::nn::Linear a(4, 16), c(16, 2);
  auto used_by_rank1 = torch::zeros({2}).requires_grad_(true);  // only rank 1 touches it
  auto never_used = torch::zeros({3}).requires_grad_(true);
  std::vector<at::Tensor> params;
  for (auto& p : a->parameters()) params.push_back(p);
  for (auto& p : c->parameters()) params.push_back(p);
  params.push_back(used_by_rank1);
  params.push_back(never_used);
  comm->broadcast_module(*a);
  comm->broadcast_module(*c);
  auto gen = at::detail::createCPUGenerator(5);
  auto x = at::randn({8, 4}, gen), y = at::randn({8, 2}, gen);
  auto loss_of = [&](const at::Tensor& xs, const at::Tensor& ys, bool use_extra) {
    auto out = c(torch::tanh(a(xs)));
    if (use_extra) out = out + used_by_rank1;
    return (out - ys).pow(2).mean();
  };
  // Reference: the full batch in this process. The extra parameter's gradient is that of rank 1's half only,
  // scaled as a contribution to the mean over all 8 rows.
  for (auto& p : params) p.mutable_grad() = at::Tensor();
  (loss_of(x, y, false) + 0 * used_by_rank1.sum()).backward();
  std::vector<at::Tensor> want;
  for (auto& p : params) want.push_back(p.grad().defined() ? p.grad().clone() : at::Tensor());
  {
    auto half = loss_of(x.narrow(0, 4, 4), y.narrow(0, 4, 4), true);
    for (auto& p : params) p.mutable_grad() = at::Tensor();
    half.backward();
    want[4] = used_by_rank1.grad().clone() / 2;
  }

  // Tiny buckets: several, so that some start while backward is still running.
  GradientReducer reducer(*comm, params, 0.0001);
  CHECK(reducer.bucket_count() > 2);
  for (int step = 0; step < 2; ++step) {
    for (auto& p : params) p.mutable_grad() = at::Tensor();
    auto loss = loss_of(x.narrow(0, 4 * w.rank, 4), y.narrow(0, 4 * w.rank, 4), w.rank == 1);
    reducer.begin(loss);
    loss.backward();
    reducer.finish();
    for (size_t i = 0; i < 5; ++i) {
      REQUIRE(params[i].grad().defined());
      CHECK(at::allclose(params[i].grad(), want[i], 1e-6, 1e-7));
    }
    CHECK_FALSE(never_used.grad().defined());  // no rank had a gradient: left as zero_grad() left it
    CHECK(reducer.launched_during_backward() > 0);
  }
}

TEST_CASE("gloo dead peer worker (spawned): the survivor names the rank that went away") {
  if (!spawned_worker()) return;
  const WorldInfo w = world_from_environment();
  auto comm = Communicator::create(w, test_options(), at::kCPU);
  auto t = at::ones({4});
  comm->allreduce_sum(t, "warm-up all-reduce");
  if (w.rank == 1) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // at least one heartbeat
    std::_Exit(0);  // dies without a word
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::string message;
  try {
    for (int i = 0; i < 1000; ++i) {
      comm->allreduce_sum(t, "gradient all-reduce");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  } catch (const RuntimeError& e) {
    message = e.what();
  }
  CHECK(message.find("rank 1 is gone") != std::string::npos);
  CHECK(message.find("rank 0: gradient all-reduce failed") == 0);
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 20);
  MESSAGE(message);
}

TEST_CASE("two processes over c10d Gloo on loopback") {
  if (spawned_worker()) return;
  CHECK(run_workers("gloo worker (spawned)*", 2) == 0);
  CHECK(run_workers("gloo dead peer worker (spawned)*", 2, 15) == 0);
}
