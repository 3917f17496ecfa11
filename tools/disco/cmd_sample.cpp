#include <ATen/ATen.h>

#include <filesystem>
#include <sstream>

#include "commands.h"
#include "disco/error.h"
#include "disco/generate.h"
#include "run_dir.h"

namespace fs = std::filesystem;

namespace disco::cli {

namespace {
at::Tensor parse_latents(const std::string& text) {
  std::vector<int64_t> values;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      values.push_back(std::stoll(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw UsageError("--latents: '" + item + "' is not an integer (expected e.g. --latents 3 or --latents 3,0,7)");
    }
  }
  if (values.empty()) throw UsageError("--latents: no values given");
  return at::tensor(values, at::kLong);
}
}  // namespace

int run_sample(Session& s, const SampleArgs& a) {
  OpenedRun run = open_run(s, a.run_dir);
  GenerateOptions o = generate_options_from_config(run.config);
  if (a.n > 0) o.n = a.n;
  if (!a.sampler.empty()) o.sampler = a.sampler;
  if (a.steps > 0) o.sampler_options.steps = a.steps;
  if (a.cfg >= 0) o.cfg = a.cfg;
  if (a.prior_temperature >= 0) o.prior_temperature = a.prior_temperature;
  if (a.top_k >= 0) o.prior_top_k = a.top_k;
  if (a.seed >= 0) o.seed = uint64_t(a.seed);
  if (!a.latents.empty()) o.fixed_latents = parse_latents(a.latents);
  s.registry().make_sampler(o.sampler, run.config);  // unknown sampler: fail before any work
  s.term().info("sampling " + std::to_string(o.n) + " from " + run.checkpoint + " with " + o.sampler + ", " +
                std::to_string(o.sampler_options.steps) + " steps, cfg " + std::to_string(o.cfg) + ", seed " +
                std::to_string(o.seed));
  SampleSet samples = generate(run.model, *run.domain, s.registry(), run.config, o, s.term().reporter());
  const std::string stem = a.out.empty() ? run.dir + "/samples/samples" : a.out;
  const auto parent = fs::path(stem).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  for (const auto& path : run.domain->write_samples(run.config, samples, stem)) std::printf("%s\n", path.c_str());
  s.term().info("NFE per sample: " + std::to_string(samples.nfe) + " (seed " + std::to_string(o.seed) + ")");
  return kExitOk;
}

}  // namespace disco::cli
