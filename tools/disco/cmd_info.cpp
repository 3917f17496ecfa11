// disco plugins, disco config check, disco config explain.
#include <cstdio>

#include "commands.h"
#include "disco/error.h"

namespace disco::cli {

int run_plugins(Session& s) {
  auto& registry = s.registry();
  const auto& records = s.loader().records();
  std::printf("plugin search path:\n");
  for (const auto& dir : s.search_path()) std::printf("  %s\n", dir.c_str());
  if (records.empty()) std::printf("no plugin files found (looked for libdisco_*.so)\n");
  int failed = 0;
  for (const auto& r : records) {
    if (r.loaded) {
      std::string domains;
      for (const auto& d : r.domains) domains += (domains.empty() ? "" : ", ") + d;
      std::printf("loaded   %-10s %-8s abi %d  LibTorch %s  domains: %s\n           %s\n", r.name.c_str(),
                  r.version.c_str(), r.abi_version, r.torch_version.c_str(), domains.c_str(), r.path.c_str());
    } else {
      ++failed;
      std::printf("FAILED   %-10s %s\n           %s\n", r.name.empty() ? "?" : r.name.c_str(), r.error.c_str(), r.path.c_str());
    }
  }
  std::string samplers;
  for (const auto& n : registry.sampler_names()) samplers += (samplers.empty() ? "" : ", ") + n;
  std::printf("samplers: %s\n", samplers.c_str());
  return kExitOk;
}

int run_config_check(Session& s, const std::string& file, const std::vector<std::string>& sets) {
  Config config = s.load_config(file, sets);
  std::printf("%s: ok (domain %s, %zu keys after defaults)\n", file.c_str(), config.get_string("domain").c_str(),
              config.values().size());
  return kExitOk;
}

int run_config_explain(Session& s, const std::string& domain, bool markdown) {
  Schema schema = domain.empty() || domain == "core" ? core_schema() : s.schema_for(domain);
  std::printf("%s", schema.explain(markdown).c_str());
  return kExitOk;
}

}  // namespace disco::cli
