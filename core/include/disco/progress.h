// How the core talks to the user: it never prints (STYLE.md habit 5). It calls these callbacks; the CLI
// turns them into a progress bar on stderr and log lines.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace disco {

enum class LogLevel { kDebug, kInfo, kWarning };

// step in [1, total]; seconds since the task started; `what` names the task ("stage 1", "sampling").
using ProgressFn = std::function<void(int64_t step, int64_t total, double seconds, const std::string& what)>;
using LogFn = std::function<void(LogLevel level, const std::string& message)>;

struct Reporter {
  ProgressFn progress;
  LogFn log;
  void info(const std::string& m) const { if (log) log(LogLevel::kInfo, m); }
  void warn(const std::string& m) const { if (log) log(LogLevel::kWarning, m); }
  void tick(int64_t step, int64_t total, double seconds, const std::string& what) const {
    if (progress) progress(step, total, seconds, what);
  }
};

}  // namespace disco
