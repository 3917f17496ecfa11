// Who am I in a data-parallel run: the launcher's environment (torchrun style or SLURM), the [distributed]
// config table, and TCP port checks for the rendezvous.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "disco/host/distributed.h"
#include "disco/error.h"

namespace disco {

namespace {

int parse_int(const char* name, const char* value, int min) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(value, &end, 10);
  if (errno != 0 || end == value || *end != '\0' || v < min || v > 1 << 30)
    throw UsageError(std::string("environment variable ") + name + "='" + value + "' is not an integer >= " +
                     std::to_string(min));
  return int(v);
}

}  // namespace

std::string first_host_of_slurm_nodelist(const std::string& nodelist) {
  // Host lists are comma-separated; a bracket holds ranges and lists of suffixes: "pre[01-04,07]post".
  std::string host;
  size_t i = 0;
  while (i < nodelist.size() && nodelist[i] != ',') {
    if (nodelist[i] == '[') {
      const size_t close = nodelist.find(']', i);
      if (close == std::string::npos) return host + nodelist.substr(i + 1);
      const std::string inside = nodelist.substr(i + 1, close - i - 1);
      host += inside.substr(0, inside.find_first_of(",-"));  // the first number keeps its zero padding
      i = close + 1;
    } else {
      host += nodelist[i++];
    }
  }
  return host;
}

WorldInfo world_from_environment(const std::function<const char*(const char*)>& getenv_fn) {
  auto env = [&](const char* name) -> const char* {
    const char* v = getenv_fn ? getenv_fn(name) : std::getenv(name);
    return (v && *v) ? v : nullptr;
  };
  WorldInfo w;
  if (env("WORLD_SIZE") || env("RANK")) {
    if (!env("WORLD_SIZE") || !env("RANK"))
      throw UsageError("RANK and WORLD_SIZE must be set together (torchrun-style launch); got only " +
                       std::string(env("RANK") ? "RANK" : "WORLD_SIZE"));
    w.world_size = parse_int("WORLD_SIZE", env("WORLD_SIZE"), 1);
    w.rank = parse_int("RANK", env("RANK"), 0);
    w.local_rank = env("LOCAL_RANK") ? parse_int("LOCAL_RANK", env("LOCAL_RANK"), 0) : 0;
    if (env("MASTER_ADDR")) w.master_addr = env("MASTER_ADDR");
    if (env("MASTER_PORT")) w.master_port = parse_int("MASTER_PORT", env("MASTER_PORT"), 1);
    w.launcher = env("DISCO_LOCAL_LAUNCH") ? "disco --nproc" : "torchrun-style env";
    if (env("TORCHELASTIC_USE_AGENT_STORE") && std::string(env("TORCHELASTIC_USE_AGENT_STORE")) == "True") {
      w.store_hosted_by_launcher = true;
      w.store_prefix = std::string("/worker/attempt_") +
                       (env("TORCHELASTIC_RESTART_COUNT") ? env("TORCHELASTIC_RESTART_COUNT") : "0");
      w.launcher = "torchrun";
    }
  } else if (env("SLURM_PROCID") && env("SLURM_STEP_NUM_TASKS")) {
    // Only tasks started by srun carry SLURM_STEP_NUM_TASKS. SLURM_NTASKS alone (a batch script) is the size of
    // the allocation, not of this job step: a plain `disco train` inside sbatch stays a single process.
    w.world_size = parse_int("SLURM_STEP_NUM_TASKS", env("SLURM_STEP_NUM_TASKS"), 1);
    w.rank = parse_int("SLURM_PROCID", env("SLURM_PROCID"), 0);
    w.local_rank = env("SLURM_LOCALID") ? parse_int("SLURM_LOCALID", env("SLURM_LOCALID"), 0) : 0;
    if (env("MASTER_ADDR")) {
      w.master_addr = env("MASTER_ADDR");
    } else {
      const char* list = env("SLURM_STEP_NODELIST") ? env("SLURM_STEP_NODELIST")
                         : env("SLURM_JOB_NODELIST") ? env("SLURM_JOB_NODELIST")
                                                     : env("SLURM_NODELIST");
      if (!list) throw UsageError("SLURM launch without MASTER_ADDR or SLURM_STEP_NODELIST: cannot find rank 0's host");
      w.master_addr = first_host_of_slurm_nodelist(list);
    }
    if (env("MASTER_PORT"))
      w.master_port = parse_int("MASTER_PORT", env("MASTER_PORT"), 1);
    else if (env("SLURM_JOB_ID"))
      w.master_port = 29500 + parse_int("SLURM_JOB_ID", env("SLURM_JOB_ID"), 0) % 1000;
    w.launcher = "slurm";
  }
  if (w.rank >= w.world_size)
    throw UsageError("rank " + std::to_string(w.rank) + " is not below the world size " + std::to_string(w.world_size));
  if (w.master_port > 65535) throw UsageError("MASTER_PORT " + std::to_string(w.master_port) + " is not a TCP port");
  return w;
}

DistributedOptions distributed_options_from_config(const Config& c) {
  DistributedOptions o;
  o.backend = c.get_string("distributed.backend");
  o.timeout_s = c.get_float("distributed.timeout");
  o.bucket_mb = c.get_float("distributed.bucket_mb");
  o.rng = c.get_string("distributed.rng");
  o.sampler = c.get_string("distributed.sampler");
  return o;
}

namespace {
// Binds a TCP socket to `port` on all interfaces (as TCPStore's server does); returns the port, or -1 with errno.
int try_bind(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  // As TCPStore's server does: connections of an earlier run in TIME_WAIT do not make the port busy, a listener does.
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(uint16_t(port));
  int result = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) result = ntohs(addr.sin_port);
  }
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return result;
}
}  // namespace

bool tcp_port_is_free(int port) { return try_bind(port) > 0; }

int pick_free_tcp_port() {
  const int port = try_bind(0);
  if (port <= 0) throw RuntimeError(std::string("cannot find a free TCP port for the rendezvous: ") + std::strerror(errno));
  return port;
}

}  // namespace disco
