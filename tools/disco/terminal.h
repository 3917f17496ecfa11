// Terminal output of the CLI: log lines and a progress bar on stderr (no bar when stderr is not a TTY),
// and a copy of the log in the run directory's log.txt once one is open.
#pragma once
#include <chrono>
#include <fstream>
#include <string>

#include "disco/progress.h"

namespace disco::cli {

class Terminal {
 public:
  explicit Terminal(bool quiet = false);
  ~Terminal();
  Reporter reporter();
  void open_log(const std::string& path);  // appends
  void info(const std::string& message) { log(LogLevel::kInfo, message); }
  void warn(const std::string& message) { log(LogLevel::kWarning, message); }
  void log(LogLevel level, const std::string& message);
  void progress(int64_t step, int64_t total, double seconds, const std::string& what);
  void clear_bar();

 private:
  bool tty_, quiet_, bar_shown_ = false;
  std::ofstream log_file_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace disco::cli
