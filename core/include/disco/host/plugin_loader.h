// Finds and loads plugins (OpenMM / ggml style): every library that fails is recorded with its reason and
// the others keep loading. Libraries stay loaded for the loader's lifetime; destroy every object a plugin
// made (the Registry included) before the loader.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "disco/registry.h"

namespace disco {

struct PluginRecord {
  std::string path;
  std::string name;     // from the descriptor, empty if it could not be read
  std::string version;
  std::string torch_version;
  std::string compiler;
  int abi_version = 0;
  bool loaded = false;
  std::string error;    // why it did not load (one line)
  std::vector<std::string> domains;  // what it registered
};

// Directories searched, in order: explicit (--plugin-path, ':'-separated), $DISCO_PLUGIN_PATH, then the
// install dir relative to the executable (<bin>/../lib/disco/plugins).
std::vector<std::string> plugin_search_path(const std::string& explicit_paths, const std::string& executable_path);

class PluginLoader {
 public:
  PluginLoader();
  ~PluginLoader();
  PluginLoader(const PluginLoader&) = delete;
  PluginLoader& operator=(const PluginLoader&) = delete;

  // Loads every lib*disco_*.so in the directories (a plugin name already loaded is skipped and recorded).
  void load_directories(const std::vector<std::string>& directories, Registry& registry);
  // Loads one library file; returns its record (also kept in records()).
  const PluginRecord& load_file(const std::string& path, Registry& registry);
  const std::vector<PluginRecord>& records() const { return records_; }
  // The record of the plugin that registered `domain`, or of a refused plugin whose file or name matches it
  // (to explain why a domain is missing); nullptr when unknown.
  const PluginRecord* explain_missing(const std::string& domain) const;

 private:
  struct Libraries;
  std::unique_ptr<Libraries> libraries_;
  std::vector<PluginRecord> records_;
};

}  // namespace disco
