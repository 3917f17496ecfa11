// `disco train --nproc N`: start N copies of this command as ranks 0..N-1 on this machine and watch them.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "disco/host/distributed.h"
#include "disco/error.h"

extern char** environ;

namespace disco {

namespace {

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = strsignal(sig);
    return "was killed by signal " + std::to_string(sig) + " (" + (name ? name : "?") + ")";
  }
  return "exited with code " + std::to_string(WEXITSTATUS(status));
}

int exit_code_of(int status) { return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status); }  // as shells

}  // namespace

int run_local_workers(const std::vector<std::string>& argv, int nproc, int master_port, double grace_s,
                      const Reporter& reporter, const std::atomic<int>* stop) {
  if (argv.empty()) throw RuntimeError("run_local_workers: empty command");
  if (master_port == 0) {
    master_port = pick_free_tcp_port();
  } else if (!tcp_port_is_free(master_port)) {
    throw UsageError("MASTER_PORT " + std::to_string(master_port) +
                     " is already in use on this machine (another run?); pick a free port, or unset MASTER_PORT to "
                     "let disco choose one");
  }

  // Everything the children need is built before fork(): after it only async-signal-safe calls are allowed.
  std::vector<std::vector<std::string>> envs(nproc);
  const char* const kOurs[] = {"RANK=", "LOCAL_RANK=", "WORLD_SIZE=", "LOCAL_WORLD_SIZE=", "MASTER_ADDR=",
                               "MASTER_PORT=", "DISCO_LOCAL_LAUNCH="};
  for (int r = 0; r < nproc; ++r) {
    for (char** e = environ; *e; ++e) {
      bool ours = false;
      for (const char* k : kOurs) ours = ours || std::strncmp(*e, k, std::strlen(k)) == 0;
      if (!ours) envs[r].push_back(*e);
    }
    envs[r].push_back("RANK=" + std::to_string(r));
    envs[r].push_back("LOCAL_RANK=" + std::to_string(r));
    envs[r].push_back("WORLD_SIZE=" + std::to_string(nproc));
    envs[r].push_back("LOCAL_WORLD_SIZE=" + std::to_string(nproc));
    envs[r].push_back("MASTER_ADDR=127.0.0.1");
    envs[r].push_back("MASTER_PORT=" + std::to_string(master_port));
    envs[r].push_back("DISCO_LOCAL_LAUNCH=1");
  }
  auto pointers = [](std::vector<std::string>& strings) {
    std::vector<char*> p;
    for (auto& s : strings) p.push_back(s.data());
    p.push_back(nullptr);
    return p;
  };
  std::vector<std::string> args = argv;
  std::vector<char*> arg_ptrs = pointers(args);
  std::vector<std::vector<char*>> env_ptrs;
  for (auto& e : envs) env_ptrs.push_back(pointers(e));

  reporter.info("starting " + std::to_string(nproc) + " worker processes on this machine (rendezvous at 127.0.0.1:" +
                std::to_string(master_port) + ")");
  const pid_t parent = getpid();
  std::vector<pid_t> pids;
  pid_t group = 0;  // the workers get a process group of their own: a Ctrl-C reaches them once, through us
  for (int r = 0; r < nproc; ++r) {
    const pid_t pid = fork();
    if (pid < 0) {
      for (pid_t p : pids) kill(p, SIGKILL);
      throw RuntimeError(std::string("cannot start worker process: ") + std::strerror(errno));
    }
    if (pid == 0) {
      setpgid(0, group);
      prctl(PR_SET_PDEATHSIG, SIGTERM);  // the launcher died: stop (with a checkpoint) rather than linger
      if (getppid() != parent) _exit(143);
      execve(args[0].c_str(), arg_ptrs.data(), env_ptrs[r].data());
      const char msg[] = "error: cannot execute the worker process\n";
      (void)!write(2, msg, sizeof msg - 1);
      _exit(127);
    }
    if (group == 0) group = pid;
    setpgid(pid, group);  // also here, so that it holds whichever of parent and child runs first
    pids.push_back(pid);
  }

  using Clock = std::chrono::steady_clock;
  std::vector<bool> running(nproc, true);
  int live = nproc, result = 0, forwarded = 0;
  bool failing = false, termed = false, killed = false;
  Clock::time_point failed_at;
  const auto grace = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(grace_s));
  while (live > 0) {
    if (stop && stop->load() != 0 && forwarded == 0) {
      forwarded = stop->load();
      reporter.info("forwarding signal " + std::to_string(forwarded) + " to the workers; they checkpoint and stop");
      kill(-group, forwarded);
    }
    for (int r = 0; r < nproc; ++r) {
      if (!running[r]) continue;
      int status = 0;
      const pid_t got = waitpid(pids[r], &status, WNOHANG);
      if (got == 0 || (got < 0 && errno == EINTR)) continue;
      running[r] = false;
      --live;
      if (got < 0) status = 1 << 8;  // cannot happen for our own child; count it as a failure
      const int code = exit_code_of(status);
      if (code == 0) continue;
      // A worker that was killed is a runtime failure of the run (exit 1): 128 + signal would read as if the
      // launcher itself had been killed. Stopping on request, 130/143 are the expected answers.
      if (result == 0) result = forwarded == 0 && WIFSIGNALED(status) ? 1 : code;
      if (forwarded != 0) continue;
      if (!failing) {
        failing = true;
        failed_at = Clock::now();
        reporter.warn("worker rank " + std::to_string(r) + " (pid " + std::to_string(pids[r]) + ") " +
                      describe_status(status) + "; the other ranks stop too");
      }
    }
    if (failing && live > 0) {
      const auto waited = Clock::now() - failed_at;
      if (!termed && waited > grace) {
        termed = true;
        reporter.warn("workers still running " + std::to_string(int(grace_s)) + " s after the failure: sending SIGTERM");
        kill(-group, SIGTERM);
      } else if (!killed && waited > 2 * grace) {
        killed = true;
        reporter.warn("sending SIGKILL to the remaining workers");
        kill(-group, SIGKILL);
      }
    }
    if (live > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return result;
}

}  // namespace disco
