// The process group: TCPStore rendezvous hosted by rank 0, then c10d's ProcessGroupGloo (CPU) or
// ProcessGroupNCCL (CUDA builds). No collective is implemented here; every one is c10d's.
//
// LibTorch versions: written against 1.13 (Debian) and kept to the part of the c10d C++ API that 2.x still has
// with the same signatures: TCPStore(host, TCPStoreOptions), PrefixStore, Store::add, ProcessGroupGloo(store,
// rank, size, Options::create(timeout)), createDeviceForHostname/Interface, createDefaultDevice,
// ProcessGroupNCCL(store, rank, size, Options), allreduce/broadcast/allgather returning intrusive_ptr<Work>,
// Work::wait(). In 2.x the process-group classes derive from c10d::Backend instead of c10d::ProcessGroup; this
// file holds them by their concrete type, so that difference never shows. Only 1.13 is tested here.
#include <torch/version.h>

#if TORCH_VERSION_MAJOR < 1 || (TORCH_VERSION_MAJOR == 1 && TORCH_VERSION_MINOR < 13)
#error "disco's distributed training needs LibTorch >= 1.13 (c10d's TCPStoreOptions API)"
#endif

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>  // Work, the *Options structs
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
// The process-group headers compile only under LibTorch's own USE_C10D_* switches (the torch CMake target sets
// them in some builds, not all); core/CMakeLists.txt sets DISCO_WITH_* where the Gloo/NCCL headers exist.
#ifdef DISCO_WITH_GLOO
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef DISCO_WITH_NCCL
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/utils.h>

#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "disco/host/distributed.h"
#include "disco/error.h"

namespace disco {

namespace {

using Milliseconds = std::chrono::milliseconds;
constexpr auto kHeartbeatInterval = std::chrono::milliseconds(1000);
const char* const kHeartbeatPrefix = "disco/heartbeat/";

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// Stores whose host may be gone, kept open until the process exits: c10d's TCPStore destructor throws
// (std::system_error "Connection reset by peer") when its peer died, and a throwing destructor terminates the
// process. The list is reachable from this static pointer and never freed, so nothing in it is a leak.
void keep_until_exit(c10::intrusive_ptr<c10d::Store> store) {
  static auto* kept = new std::vector<c10::intrusive_ptr<c10d::Store>>();
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  kept->push_back(std::move(store));
}

// LibTorch 1.13's TCPStore client also reads from its store connection on a thread of its own, and lets a
// socket error there escape (std::system_error "Connection reset by peer") when the store's host dies: that
// calls std::terminate, exit 134 without a word, often before the main thread's collective fails and names
// the rank that is gone. This handler turns exactly that case into this rank's one-line error and exit code
// 1, as a failed collective gives; any other exception goes to the previous handler.
std::string& store_lost_message() {
  static auto* message = new std::string();
  return *message;
}
std::terminate_handler g_previous_terminate = nullptr;

[[noreturn]] void on_terminate() {
  if (const std::exception_ptr current = std::current_exception()) {
    try {
      std::rethrow_exception(current);
    } catch (const std::system_error& e) {
      std::fprintf(stderr, "error: %s (LibTorch: %s)\n", store_lost_message().c_str(), e.what());
      std::fflush(stderr);
      std::_Exit(1);
    } catch (...) {
    }
  }
  if (g_previous_terminate) g_previous_terminate();
  std::abort();
}

std::string error_text(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return first_line(c10->what_without_backtrace());
  return first_line(e.what());
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// The collectives the trainer needs, over a concrete c10d process group (ProcessGroupGloo or ProcessGroupNCCL).
struct Backend {
  virtual ~Backend() = default;
  virtual c10::intrusive_ptr<c10d::Work> allreduce(std::vector<at::Tensor>& tensors, const c10d::AllreduceOptions& o) = 0;
  virtual c10::intrusive_ptr<c10d::Work> broadcast(std::vector<at::Tensor>& tensors, const c10d::BroadcastOptions& o) = 0;
  virtual c10::intrusive_ptr<c10d::Work> allgather(std::vector<std::vector<at::Tensor>>& out, std::vector<at::Tensor>& in) = 0;
  virtual void leak() = 0;  // after a failure: never run the group's destructor (it may wait for dead peers)
};

template <class ProcessGroupT>
struct C10dBackend final : Backend {
  explicit C10dBackend(c10::intrusive_ptr<ProcessGroupT> group) : pg(std::move(group)) {}
  c10::intrusive_ptr<c10d::Work> allreduce(std::vector<at::Tensor>& t, const c10d::AllreduceOptions& o) override {
    return pg->allreduce(t, o);
  }
  c10::intrusive_ptr<c10d::Work> broadcast(std::vector<at::Tensor>& t, const c10d::BroadcastOptions& o) override {
    return pg->broadcast(t, o);
  }
  c10::intrusive_ptr<c10d::Work> allgather(std::vector<std::vector<at::Tensor>>& out, std::vector<at::Tensor>& in) override {
    return pg->allgather(out, in, c10d::AllgatherOptions());
  }
  void leak() override { pg.release(); }
  c10::intrusive_ptr<ProcessGroupT> pg;
};

// A connection to the rendezvous store (rank 0 also starts its server unless torchrun's agent serves it), seen
// through the key prefix of the launcher when there is one.
c10::intrusive_ptr<c10d::Store> connect_store(const WorldInfo& w, bool server, bool wait_for_workers,
                                              Milliseconds timeout) {
  c10d::TCPStoreOptions o;
  o.port = uint16_t(w.master_port);
  o.isServer = server && !w.store_hosted_by_launcher;
  o.numWorkers = size_t(w.world_size);
  o.waitWorkers = wait_for_workers;
  o.timeout = timeout;
  c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(w.master_addr, o);
  if (!w.store_prefix.empty()) store = c10::make_intrusive<c10d::PrefixStore>(w.store_prefix, store);
  return store;
}

}  // namespace

class Communicator::Pending {
 public:
  Pending(c10::intrusive_ptr<c10d::Work> w, std::string what_) : work(std::move(w)), what(std::move(what_)) {}
  c10::intrusive_ptr<c10d::Work> work;
  std::string what;
};

struct Communicator::Impl {
  WorldInfo world;
  DistributedOptions options;
  std::string backend_name;
  c10::Device device = c10::kCPU;
  c10::intrusive_ptr<c10d::Store> store;  // rank 0: also the server
  std::unique_ptr<Backend> backend;
  bool failed = false;

  // Heartbeat: every rank bumps disco/heartbeat/<rank> in the store every second from its own connection, so
  // that after a failed collective the survivors can tell which rank stopped. The thread and this Impl share
  // the heartbeat's state: after a failure the thread is detached (it may be blocked on a dead connection for
  // the store's timeout) and must still own its mutex and flag after this Impl is gone; the last owner frees
  // them. The store itself then goes to keep_until_exit.
  struct Heartbeat {
    c10::intrusive_ptr<c10d::Store> store;
    std::mutex mutex;
    std::condition_variable cv;
    bool stop = false;
  };
  std::shared_ptr<Heartbeat> heartbeat;
  std::thread heartbeat_thread;

  void start_heartbeat() {
    heartbeat = std::make_shared<Heartbeat>();
    heartbeat->store = connect_store(world, false, false, Milliseconds(10000));
    heartbeat_thread = std::thread([state = heartbeat, key = kHeartbeatPrefix + std::to_string(world.rank)] {
      std::unique_lock<std::mutex> lock(state->mutex);
      while (!state->stop) {
        lock.unlock();
        try {
          state->store->add(key, 1);
        } catch (...) {
          // Rank 0 (the store) is gone: the next collective fails and says so; nothing to do here.
        }
        lock.lock();
        state->cv.wait_for(lock, kHeartbeatInterval, [&state] { return state->stop; });
      }
    });
  }

  void stop_heartbeat() {
    if (!heartbeat_thread.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(heartbeat->mutex);
      heartbeat->stop = true;
    }
    heartbeat->cv.notify_all();
    if (failed) {
      keep_until_exit(heartbeat->store);  // its host may be gone: never destroyed (see keep_until_exit)
      heartbeat_thread.detach();  // it may be stuck on a dead connection; it frees the state when it returns
    } else {
      heartbeat_thread.join();
    }
    heartbeat.reset();
  }

  // Which ranks stopped beating: read every counter, wait three intervals, read again.
  std::string diagnose() {
    std::vector<int> gone;
    try {
      auto client = connect_store(world, false, false, Milliseconds(5000));
      const int n = world.world_size;
      std::vector<int64_t> before(n), after(n);
      for (int r = 0; r < n; ++r) before[r] = client->add(kHeartbeatPrefix + std::to_string(r), 0);
      std::this_thread::sleep_for(3 * kHeartbeatInterval);
      for (int r = 0; r < n; ++r) after[r] = client->add(kHeartbeatPrefix + std::to_string(r), 0);
      for (int r = 0; r < n; ++r)
        if (r != world.rank && after[r] == before[r]) gone.push_back(r);
    } catch (const std::exception&) {
      const std::string store = "the rendezvous store at " + world.master_addr + ":" + std::to_string(world.master_port);
      if (world.store_hosted_by_launcher) return store + " no longer answers (the launcher or its node is gone)";
      return "rank 0 is gone (it hosts " + store + ", which no longer answers)";
    }
    if (gone.empty())
      return "every rank still has a heartbeat, so one is stuck or the network between them failed";
    std::string list;
    for (size_t i = 0; i < gone.size(); ++i) list += (i ? ", " : "") + std::to_string(gone[i]);
    return std::string(gone.size() == 1 ? "rank " : "ranks ") + list +
           (gone.size() == 1 ? " is" : " are") + " gone (no heartbeat for 3 s: the process died or was killed)";
  }

  // NCCL reduces only CUDA tensors: small CPU tensors (the per-step loss, checks) travel through the device.
  at::Tensor staged(const at::Tensor& t) const {
    return backend_name == "nccl" && t.is_cpu() ? t.to(device) : t;
  }

  [[noreturn]] void fail(const std::string& what, const std::exception& e) {
    failed = true;
    const std::string cause = error_text(e);
    throw RuntimeError("rank " + std::to_string(world.rank) + ": " + what + " failed: " + diagnose() +
                       ". Stopping this rank too. (LibTorch: " + cause + ")");
  }
};

Communicator::Communicator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Communicator::~Communicator() {
  impl_->stop_heartbeat();
  if (impl_->failed) {
    // The c10d destructors wait for outstanding work and peers; after a failure that can take the whole
    // timeout. The process is about to exit with the error, so leave them be.
    if (impl_->backend) impl_->backend->leak();
    impl_->store.release();
  }
}

std::shared_ptr<Communicator> Communicator::create(const WorldInfo& world, const DistributedOptions& options,
                                                   const c10::Device& device) {
  auto impl = std::make_unique<Impl>();
  impl->world = world;
  impl->options = options;
  impl->device = device;
  const auto timeout = Milliseconds(int64_t(options.timeout_s * 1000));
  const std::string where = world.master_addr + ":" + std::to_string(world.master_port);
  const std::string me = "rank " + std::to_string(world.rank);
  // A peer that closes its socket must surface as an error from a collective, not kill us with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  store_lost_message() =
      me + ": the rendezvous store connection failed: " +
      (world.store_hosted_by_launcher ? "the rendezvous store at " + where + " no longer answers (the launcher or its node is gone)"
                                      : "rank 0 is gone (it hosts the rendezvous store at " + where + ", which reset the connection)");
  if (!g_previous_terminate) g_previous_terminate = std::set_terminate(on_terminate);

  std::string backend = options.backend;
  if (backend == "auto") backend = device.is_cuda() ? "nccl" : "gloo";
#ifndef DISCO_WITH_NCCL
  if (backend == "nccl" && options.backend == "auto") backend = "gloo";  // Gloo handles CUDA tensors too, slower
#endif
  impl->backend_name = backend;

  // Rendezvous: rank 0 listens; everyone (rank 0 included) waits until all world_size ranks have connected.
  try {
    impl->store = connect_store(world, world.rank == 0, true, timeout);
  } catch (const std::exception& e) {
    const std::string cause = error_text(e);
    const bool hosting = world.rank == 0 && !world.store_hosted_by_launcher;
    if (hosting && (cause.find("ddress already in use") != std::string::npos || !tcp_port_is_free(world.master_port)))
      throw UsageError(me + ": cannot host the rendezvous on port " + std::to_string(world.master_port) +
                       ": the port is already in use (another run?). Pick a free one with MASTER_PORT=... (LibTorch: " +
                       cause + ")");
    if (hosting)
      throw RuntimeError(me + ": rendezvous on " + where + " failed: not all " + std::to_string(world.world_size) +
                         " ranks joined within " + std::to_string(int(options.timeout_s)) +
                         " s (distributed.timeout). (LibTorch: " + cause + ")");
    throw RuntimeError(me + ": cannot reach the rendezvous store at " + where + " within " +
                       std::to_string(int(options.timeout_s)) +
                       " s: is rank 0 (or the launcher) running, are MASTER_ADDR/MASTER_PORT right and the port open? (LibTorch: " +
                       cause + ")");
  }
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("disco/pg", impl->store);

  try {
    if (backend == "gloo") {
#ifdef DISCO_WITH_GLOO
      auto o = c10d::ProcessGroupGloo::Options::create(timeout);
      // One process per rank on this machine: loopback. Across machines: GLOO_SOCKET_IFNAME, else the interface
      // the host name resolves to (as torch.distributed does).
      if (is_loopback(world.master_addr)) {
        o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      } else if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname) {
        std::string first(ifname);
        first = first.substr(0, first.find(','));
        o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(first));
      } else {
        o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      auto pg = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, world.rank, world.world_size, o);
      impl->backend = std::make_unique<C10dBackend<c10d::ProcessGroupGloo>>(pg);
#else
      throw UsageError("this disco was built without c10d's Gloo backend (the Gloo headers were not found at build "
                       "time: install libgloo-dev and rebuild), so it cannot train with more than one process on CPU");
#endif
    } else if (backend == "nccl") {
#ifdef DISCO_WITH_NCCL
      // Fail fast instead of hanging when a peer dies (the variable was renamed in LibTorch 2.2; set both).
      setenv("NCCL_ASYNC_ERROR_HANDLING", "1", 0);
      setenv("TORCH_NCCL_ASYNC_ERROR_HANDLING", "1", 0);
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = timeout;
      auto pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, world.rank, world.world_size, o);
      impl->backend = std::make_unique<C10dBackend<c10d::ProcessGroupNCCL>>(pg);
#else
      throw UsageError("distributed.backend = \"nccl\" needs a disco built against a CUDA LibTorch with NCCL; this "
                       "one has none (use \"gloo\")");
#endif
    } else {
      throw UsageError("unknown distributed.backend '" + backend + "' (auto, gloo or nccl)");
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw RuntimeError(me + ": creating the " + backend + " process group over " + std::to_string(world.world_size) +
                       " ranks failed (LibTorch: " + error_text(e) + ")");
  }
  impl->start_heartbeat();
  return std::shared_ptr<Communicator>(new Communicator(std::move(impl)));
}

int Communicator::rank() const { return impl_->world.rank; }
int Communicator::size() const { return impl_->world.world_size; }
const WorldInfo& Communicator::world() const { return impl_->world; }
std::string Communicator::backend() const { return impl_->backend_name; }

std::shared_ptr<Communicator::Pending> Communicator::allreduce_sum_async(at::Tensor& tensor, const std::string& what) {
  std::vector<at::Tensor> tensors{tensor};
  c10d::AllreduceOptions o;
  o.reduceOp = c10d::ReduceOp::SUM;
  try {
    return std::make_shared<Pending>(impl_->backend->allreduce(tensors, o), what);
  } catch (const std::exception& e) {
    impl_->fail(what, e);
  }
}

void Communicator::wait(const std::shared_ptr<Pending>& pending) {
  if (!pending || !pending->work) return;
  try {
    pending->work->wait();
  } catch (const std::exception& e) {
    impl_->fail(pending->what, e);
  }
  pending->work.reset();
}

void Communicator::allreduce_sum(at::Tensor& tensor, const std::string& what) {
  at::Tensor t = impl_->staged(tensor);
  wait(allreduce_sum_async(t, what));
  if (!t.is_same(tensor)) tensor.copy_(t);
}

void Communicator::broadcast(at::Tensor& tensor, int root, const std::string& what) {
  std::vector<at::Tensor> tensors{impl_->staged(tensor)};
  c10d::BroadcastOptions o;
  o.rootRank = root;
  try {
    impl_->backend->broadcast(tensors, o)->wait();
  } catch (const std::exception& e) {
    impl_->fail(what, e);
  }
  if (!tensors[0].is_same(tensor)) tensor.copy_(tensors[0]);
}

at::Tensor Communicator::allgather_cat(const at::Tensor& tensor, const std::string& what) {
  std::vector<at::Tensor> in{impl_->staged(tensor).contiguous()};
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < size(); ++r) out[0].push_back(at::empty_like(in[0]));
  try {
    impl_->backend->allgather(out, in)->wait();
  } catch (const std::exception& e) {
    impl_->fail(what, e);
  }
  return at::cat(out[0], 0).to(tensor.device());
}

void Communicator::broadcast_module(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    auto t = p.detach();
    broadcast(t, 0, "broadcast of rank 0's parameters");
  }
  for (auto& b : module.buffers()) {
    auto t = b.detach();
    broadcast(t, 0, "broadcast of rank 0's buffers");
  }
}

}  // namespace disco
