#include "disco/host/plugin_loader.h"

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "disco/error.h"
#include "disco/plugin.h"

namespace fs = std::filesystem;

namespace disco {

struct PluginLoader::Libraries {
  std::vector<boost::dll::shared_library> libs;  // kept loaded until the loader dies (never mid-run)
};

PluginLoader::PluginLoader() : libraries_(std::make_unique<Libraries>()) {}
// Plugin libraries are never unloaded (as in ggml's backend registry): an exception object, a static or a
// callback that a plugin made may outlive every C++ owner we can see, and dlclose under it would crash. The
// handles are handed to the OS at exit instead.
PluginLoader::~PluginLoader() { new Libraries(std::move(*libraries_)); }

namespace {
void split_paths(const std::string& text, std::vector<std::string>& out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(':', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

bool is_plugin_file(const fs::path& p) {
  const auto name = p.filename().string();
  return name.rfind("libdisco_", 0) == 0 && p.extension() == ".so";
}
}  // namespace

std::vector<std::string> plugin_search_path(const std::string& explicit_paths, const std::string& executable_path) {
  std::vector<std::string> dirs;
  split_paths(explicit_paths, dirs);
  if (const char* env = std::getenv("DISCO_PLUGIN_PATH")) split_paths(env, dirs);
  if (!executable_path.empty()) {
    const auto bin = fs::path(executable_path).parent_path();
    for (const char* rel : {DISCO_PLUGIN_DIR_FROM_BIN, "../lib/disco/plugins"}) {
      auto dir = (bin / rel).lexically_normal().string();
      if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
    }
  }
  return dirs;
}

void PluginLoader::load_directories(const std::vector<std::string>& directories, Registry& registry) {
  for (const auto& dir : directories) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (is_plugin_file(entry.path())) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) load_file(f.string(), registry);
  }
}

const PluginRecord& PluginLoader::load_file(const std::string& path, Registry& registry) {
  PluginRecord rec;
  rec.path = path;
  auto fail = [&](const std::string& why) -> const PluginRecord& {
    rec.error = why;
    records_.push_back(rec);
    return records_.back();
  };
  boost::dll::shared_library lib;
  try {
    lib.load(path, boost::dll::load_mode::default_mode);
  } catch (const std::exception& e) {
    return fail(std::string("cannot load library: ") + e.what());
  }
  if (!lib.has(kPluginEntrySymbol))
    return fail(std::string("not a disco plugin: no '") + kPluginEntrySymbol + "' entry symbol");
  const PluginDescriptor* d = nullptr;
  try {
    d = lib.get<const PluginDescriptor*()>(kPluginEntrySymbol)();
  } catch (const std::exception& e) {
    return fail(std::string("entry symbol failed: ") + e.what());
  }
  if (!d) return fail("entry symbol returned no descriptor");
  rec.abi_version = d->abi_version;
  // The first fields of PluginDescriptor never change layout, so they can be read from any ABI version.
  rec.name = d->name ? d->name : "";
  rec.version = d->version ? d->version : "";
  rec.torch_version = d->torch_version ? d->torch_version : "";
  rec.compiler = d->compiler ? d->compiler : "";
  if (d->abi_version != kPluginAbiVersion)
    return fail("incompatible plugin ABI version (plugin: " + std::to_string(d->abi_version) +
                ", host: " + std::to_string(kPluginAbiVersion) + "); rebuild the plugin against this disco");
  if (rec.torch_version != TORCH_VERSION)
    return fail("incompatible LibTorch version (plugin: " + rec.torch_version + ", host: " + TORCH_VERSION +
                "); rebuild the plugin against this LibTorch");
  for (const auto& r : records_)
    if (r.loaded && r.name == rec.name) return fail("plugin '" + rec.name + "' already loaded from " + r.path);
  const auto before = registry.domain_names();
  try {
    d->register_fn(registry);
  } catch (const std::exception& e) {
    libraries_->libs.push_back(std::move(lib));  // it may have registered something before throwing
    return fail(std::string("registration failed: ") + e.what());
  } catch (...) {
    libraries_->libs.push_back(std::move(lib));
    return fail("registration failed with an unknown exception");
  }
  for (const auto& name : registry.domain_names())
    if (std::find(before.begin(), before.end(), name) == before.end()) rec.domains.push_back(name);
  rec.loaded = true;
  libraries_->libs.push_back(std::move(lib));
  records_.push_back(rec);
  return records_.back();
}

const PluginRecord* PluginLoader::explain_missing(const std::string& domain) const {
  for (const auto& r : records_) {
    if (std::find(r.domains.begin(), r.domains.end(), domain) != r.domains.end()) return &r;
  }
  for (const auto& r : records_) {
    if (r.loaded) continue;
    const auto file = fs::path(r.path).filename().string();
    if (r.name == domain || file == "libdisco_" + domain + ".so") return &r;
  }
  return nullptr;
}

}  // namespace disco
