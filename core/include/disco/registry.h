// Registry: named factories. Plugins register their domains, samplers and command-line subcommands into the
// one they are handed; the core registers its own samplers the same way (register_core_components). Tools
// reach domains and plugin commands only through here.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "disco/command.h"
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
  // A subcommand of `disco` (disco/command.h). Throws PluginError for an empty name, a name registered by
  // another origin, or one whose first word is a built-in subcommand (see reserve_command_words).
  void add_command(Command command, const std::string& origin) { commands_.add(std::move(command), origin); }

  // Throws PluginError "unknown domain 'x' (available: a, b)".
  std::shared_ptr<Domain> domain(const std::string& name) const;
  // Throws UsageError "unknown sampler 'x' (available: euler, heun)".
  std::unique_ptr<Sampler> make_sampler(const std::string& name, const Config& config) const;

  std::vector<std::string> domain_names() const;
  std::vector<std::string> sampler_names() const;
  std::string origin_of_domain(const std::string& name) const;
  const CommandTable& commands() const { return commands_; }
  // The host's own subcommands, which no plugin may take; set before the plugins are loaded.
  void reserve_command_words(std::vector<std::string> first_words) { commands_.set_reserved(std::move(first_words)); }

 private:
  std::map<std::string, std::pair<std::shared_ptr<Domain>, std::string>> domains_;
  std::map<std::string, std::pair<SamplerFactory, std::string>> samplers_;
  CommandTable commands_;
};

// Registers the core's samplers (euler, heun, ...).
void register_core_components(Registry& registry);

}  // namespace disco
