#include "disco/registry.h"

#include "disco/error.h"
#include "samplers/samplers.h"

namespace disco {

namespace {
template <typename Map>
std::string join_keys(const Map& map) {
  std::string out;
  for (const auto& [name, value] : map) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "none" : out;
}
}  // namespace

void Registry::add_domain(std::shared_ptr<Domain> domain, const std::string& origin) {
  const auto name = domain->name();
  auto it = domains_.find(name);
  if (it != domains_.end())
    throw PluginError("domain '" + name + "' registered twice (by " + it->second.second + " and " + origin + ")");
  domains_[name] = {std::move(domain), origin};
}

void Registry::add_sampler(const std::string& name, SamplerFactory factory, const std::string& origin) {
  auto it = samplers_.find(name);
  if (it != samplers_.end())
    throw PluginError("sampler '" + name + "' registered twice (by " + it->second.second + " and " + origin + ")");
  samplers_[name] = {std::move(factory), origin};
}

std::shared_ptr<Domain> Registry::domain(const std::string& name) const {
  auto it = domains_.find(name);
  if (it == domains_.end())
    throw PluginError("unknown domain '" + name + "' (available: " + join_keys(domains_) +
                      "); run `disco plugins` to see what loaded");
  return it->second.first;
}

std::unique_ptr<Sampler> Registry::make_sampler(const std::string& name, const Config& config) const {
  auto it = samplers_.find(name);
  if (it == samplers_.end())
    throw UsageError("unknown sampler '" + name + "' (available: " + join_keys(samplers_) + ")");
  return it->second.first(config);
}

std::vector<std::string> Registry::domain_names() const {
  std::vector<std::string> out;
  for (const auto& [name, v] : domains_) out.push_back(name);
  return out;
}

std::vector<std::string> Registry::sampler_names() const {
  std::vector<std::string> out;
  for (const auto& [name, v] : samplers_) out.push_back(name);
  return out;
}

std::string Registry::origin_of_domain(const std::string& name) const {
  auto it = domains_.find(name);
  return it == domains_.end() ? "" : it->second.second;
}

void register_core_components(Registry& registry) {
  registry.add_sampler("euler", make_euler_sampler, "core");
  registry.add_sampler("heun", make_heun_sampler, "core");
  registry.add_sampler("edm-stochastic", make_edm_stochastic_sampler, "core");
  registry.add_sampler("restart", make_restart_sampler, "core");
  registry.add_sampler("ddpm", make_ddpm_sampler, "core");
  registry.add_sampler("dpm-solver-2m", make_dpm_solver_2m_sampler, "core");
}

}  // namespace disco
