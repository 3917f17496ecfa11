// What every subcommand needs: loaded plugins, the registry, configs resolved against the schemas, the
// device and thread count. The loader outlives the registry, and both outlive every model (they are
// destroyed in reverse order of declaration), so plugin objects die before their libraries.
#pragma once
#include <c10/core/Device.h>

#include <memory>
#include <string>
#include <vector>

#include "disco/config.h"
#include "disco/domain.h"
#include "disco/host/plugin_loader.h"
#include "disco/registry.h"
#include "terminal.h"

namespace disco::cli {

struct GlobalOptions {
  std::string plugin_path;  // --plugin-path / DISCO_PLUGIN_PATH handled in plugin_search_path
  int threads = -1;         // --threads; -1 = from config (threads key), 0 = all cores
  std::string device;       // --device; empty = from config
  bool quiet = false;
};

class Session {
 public:
  // `builtin_commands`: the CLI's own subcommands, which no plugin may add a command under.
  Session(GlobalOptions options, std::string executable, std::vector<std::string> builtin_commands);

  Registry& registry();  // loads plugins on first use
  PluginLoader& loader();
  Terminal& term() { return term_; }
  const GlobalOptions& options() const { return options_; }
  std::vector<std::string> search_path() const { return plugin_search_path(options_.plugin_path, executable_); }

  // Parses FILE, applies --set overrides, finds the domain and validates against core + domain schema.
  Config load_config(const std::string& path, const std::vector<std::string>& overrides);
  std::shared_ptr<Domain> domain_for(const Config& config);
  Schema schema_for(const std::string& domain);
  // Device from --device, else the config's `device` key; "auto" = cuda when available.
  c10::Device device(const Config& config);
  // Sets LibTorch's thread count from --threads, else the config's `threads` key (0 = all cores).
  int apply_threads(const Config& config);

 private:
  GlobalOptions options_;
  std::string executable_;
  std::vector<std::string> builtin_commands_;
  Terminal term_;
  PluginLoader loader_;
  Registry registry_;
  bool loaded_ = false;
};

}  // namespace disco::cli
