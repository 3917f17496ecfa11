#include "terminal.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace disco::cli {

Terminal::Terminal(bool quiet) : tty_(::isatty(STDERR_FILENO)), quiet_(quiet) {}
Terminal::~Terminal() { clear_bar(); }

Reporter Terminal::reporter() {
  Reporter r;
  r.log = [this](LogLevel level, const std::string& m) { log(level, m); };
  r.progress = [this](int64_t step, int64_t total, double seconds, const std::string& what) {
    progress(step, total, seconds, what);
  };
  return r;
}

void Terminal::open_log(const std::string& path) { log_file_.open(path, std::ios::app); }

void Terminal::clear_bar() {
  if (bar_shown_) {
    std::fprintf(stderr, "\r\033[K");
    bar_shown_ = false;
  }
}

void Terminal::log(LogLevel level, const std::string& message) {
  if (level == LogLevel::kDebug) return;
  const char* tag = level == LogLevel::kWarning ? "warning: " : "";
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  if (log_file_) log_file_ << stamp << ' ' << tag << message << std::endl;
  if (quiet_ && level != LogLevel::kWarning) return;
  clear_bar();
  std::fprintf(stderr, "%s%s\n", tag, message.c_str());
}

void Terminal::progress(int64_t step, int64_t total, double seconds, const std::string& what) {
  if (!tty_ || quiet_ || total <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (step < total && now - last_draw_ < std::chrono::milliseconds(100)) return;  // ~10 redraws a second
  last_draw_ = now;
  const int width = 30;
  const double frac = double(step) / double(total);
  const int filled = int(frac * width);
  std::string bar(filled, '=');
  if (filled < width) bar += '>' + std::string(width - filled - 1, ' ');
  const double eta = step > 0 ? seconds * (total - step) / step : 0;
  std::fprintf(stderr, "\r\033[K%-8s [%s] %3d%% %lld/%lld  %.1fs  eta %.0fs", what.c_str(), bar.c_str(), int(frac * 100),
               (long long)step, (long long)total, seconds, eta);
  bar_shown_ = true;
  if (step >= total) clear_bar();
}

}  // namespace disco::cli
