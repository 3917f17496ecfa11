// Typed errors. Each carries the process exit code the CLI returns for it; they are caught once,
// in tools/disco/main.cpp (STYLE.md habit 6).
//
// The classes are exported with an out-of-line destructor (core/src/error.cpp), so their vtables and type_info
// live in libdisco_core only: an error thrown inside a plugin stays valid and catchable in the CLI.
#pragma once
#include <stdexcept>
#include <string>

#define DISCO_API __attribute__((visibility("default")))

namespace disco {

enum ExitCode : int {
  kExitOk = 0,
  kExitRuntime = 1,  // training diverged, I/O failure, ...
  kExitUsage = 2,    // bad command line, bad config, bad input file
  kExitPlugin = 3,   // plugin missing, refused (ABI / LibTorch mismatch) or failed to load
};

class DISCO_API Error : public std::runtime_error {
 public:
  Error(const std::string& message, int exit_code) : std::runtime_error(message), exit_code_(exit_code) {}
  ~Error() override;
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Bad TOML, unknown key, wrong type, out-of-range value. Message starts with "FILE:LINE:COL: ".
struct DISCO_API ConfigError : Error {
  explicit ConfigError(const std::string& m) : Error(m, kExitUsage) {}
  ~ConfigError() override;
};
// Bad command-line usage that CLI11 cannot catch by itself.
struct DISCO_API UsageError : Error {
  explicit UsageError(const std::string& m) : Error(m, kExitUsage) {}
  ~UsageError() override;
};
// Unreadable or malformed input data. Message starts with "FILE:LINE: " where there is a line.
struct DISCO_API DataError : Error {
  explicit DataError(const std::string& m) : Error(m, kExitUsage) {}
  ~DataError() override;
};
// Plugin not found, refused or failed.
struct DISCO_API PluginError : Error {
  explicit PluginError(const std::string& m) : Error(m, kExitPlugin) {}
  ~PluginError() override;
};
// Anything that goes wrong while running: divergence, failed write, ...
struct DISCO_API RuntimeError : Error {
  explicit RuntimeError(const std::string& m) : Error(m, kExitRuntime) {}
  ~RuntimeError() override;
};

// SIGINT / SIGTERM during training: the current step finished and a checkpoint was written.
// Exit code 128 + signal (130 for SIGINT, 143 for SIGTERM), as shells report it.
struct DISCO_API InterruptedError : Error {
  InterruptedError(const std::string& m, int signal) : Error(m, 128 + signal) {}
  ~InterruptedError() override;
};

}  // namespace disco
