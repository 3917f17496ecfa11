// Registry: named factories. Plugins register their domains into it; the core registers its own samplers
// the same way (register_core_components). Tools reach domains only through here.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "disco/config.h"
#include "disco/domain.h"
#include "disco/sampler.h"

namespace disco {

class Registry {
 public:
  using SamplerFactory = std::function<std::unique_ptr<Sampler>(const Config& config)>;

  // `origin` says who registered it ("core", or the plugin's file), for `disco plugins`.
  void add_domain(std::shared_ptr<Domain> domain, const std::string& origin);
  void add_sampler(const std::string& name, SamplerFactory factory, const std::string& origin);

  // Throws PluginError "unknown domain 'x' (available: a, b)".
  std::shared_ptr<Domain> domain(const std::string& name) const;
  // Throws UsageError "unknown sampler 'x' (available: euler, heun)".
  std::unique_ptr<Sampler> make_sampler(const std::string& name, const Config& config) const;

  std::vector<std::string> domain_names() const;
  std::vector<std::string> sampler_names() const;
  std::string origin_of_domain(const std::string& name) const;

 private:
  std::map<std::string, std::pair<std::shared_ptr<Domain>, std::string>> domains_;
  std::map<std::string, std::pair<SamplerFactory, std::string>> samplers_;
};

// Registers the core's samplers (euler, heun, ...).
void register_core_components(Registry& registry);

}  // namespace disco
