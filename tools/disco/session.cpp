#include "session.h"

#include <torch/cuda.h>
#include <torch/utils.h>

#include "disco/command.h"
#include "disco/error.h"

namespace disco::cli {

Session::Session(GlobalOptions options, std::string executable, std::vector<std::string> builtin_commands)
    : options_(std::move(options)),
      executable_(std::move(executable)),
      builtin_commands_(std::move(builtin_commands)),
      term_(options_.quiet) {}

Registry& Session::registry() {
  if (!loaded_) {
    loaded_ = true;
    registry_.reserve_command_words(builtin_commands_);
    register_core_components(registry_);
    loader_.load_directories(search_path(), registry_);
  }
  return registry_;
}

PluginLoader& Session::loader() {
  registry();
  return loader_;
}

std::shared_ptr<Domain> Session::domain_for(const Config& config) {
  return registry().domain(config.get_string("domain"));
}

Schema Session::schema_for(const std::string& domain_name) {
  Schema schema = core_schema();
  std::shared_ptr<Domain> domain;
  try {
    domain = registry().domain(domain_name);
  } catch (const PluginError& e) {
    if (const auto* rec = loader().explain_missing(domain_name))
      throw PluginError("domain '" + domain_name + "' is not available: " + rec->path + ": " + rec->error);
    throw;
  }
  schema.merge(Schema::parse(domain->schema(), "schema of plugin '" + domain_name + "'"));
  return schema;
}

Config Session::load_config(const std::string& path, const std::vector<std::string>& overrides) {
  Config config = Config::parse_file(path);
  for (const auto& o : overrides) config.apply_override(o);
  const auto domain = config.peek_string("domain");
  if (!domain || domain->empty())
    throw ConfigError(path + ": missing key 'domain' (e.g. domain = \"toy2d\"); available: " + [&] {
      std::string s;
      for (const auto& n : registry().domain_names()) s += (s.empty() ? "" : ", ") + n;
      return s.empty() ? std::string("none loaded, see `disco plugins`") : s;
    }());
  config.validate(schema_for(*domain));
  // Sampler settings are checked by the samplers themselves (e.g. restart intervals against sigma_min/max);
  // build them once now so a bad value fails here, with its position, not after training.
  const auto& sampler = config.get_string("sample.sampler");
  try {
    registry().make_sampler(sampler, config);
  } catch (const UsageError& e) {
    throw ConfigError(config.where("sample.sampler").str() + ": " + e.what());
  }
  if (!config.get_float_list("sample.restart").empty()) registry().make_sampler("restart", config);
  return config;
}

c10::Device Session::device(const Config& config) {
  std::string want = options_.device.empty() ? config.get_string("device") : options_.device;
  if (want == "auto") want = torch::cuda::is_available() ? "cuda" : "cpu";
  if (want == "cuda" && !torch::cuda::is_available())
    throw UsageError("device 'cuda' requested but this LibTorch has no usable CUDA device (use --device cpu)");
  if (want != "cpu" && want != "cuda") throw UsageError("--device must be cpu, cuda or auto (got '" + want + "')");
  return c10::Device(want == "cuda" ? c10::kCUDA : c10::kCPU);
}

int Session::apply_threads(const Config& config) { return disco::apply_threads(options_.threads, config); }

}  // namespace disco::cli
