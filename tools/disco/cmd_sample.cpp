#include <ATen/ATen.h>

#include <filesystem>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "commands.h"
#include "disco/atomic_file.h"
#include "disco/error.h"
#include "disco/plot.h"
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

// --sweep NAME=v1,v2,...: one domain evaluation per setting, written as RUN_DIR/sweep_NAME.csv and a plot of
// every metric against the setting. Each setting's own files go to RUN_DIR/sweep/NAME=VALUE/.
int run_sweep(Session& s, OpenedRun& run, const GenerateOptions& base, const std::string& spec) {
  const auto eq = spec.find('=');
  const std::string name = spec.substr(0, eq);
  if (eq == std::string::npos || (name != "cfg" && name != "steps" && name != "prior_temperature"))
    throw UsageError("--sweep expects cfg=..., steps=... or prior_temperature=... with comma-separated values (got '" +
                     spec + "')");
  std::vector<double> values;
  std::stringstream ss(spec.substr(eq + 1));
  for (std::string item; std::getline(ss, item, ',');) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !(v >= 0) || (name == "steps" && (v < 1 || v != std::floor(v))))
      throw UsageError("--sweep " + name + ": bad value '" + item + "'");
    values.push_back(v);
  }
  if (values.empty()) throw UsageError("--sweep " + name + ": no values");
  Reporter reporter = s.term().reporter();
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;
  for (double v : values) {
    GenerateOptions o = base;
    if (name == "cfg") o.cfg = v;
    if (name == "steps") o.sampler_options.steps = int64_t(v);
    if (name == "prior_temperature") o.prior_temperature = v;
    char label[64];
    std::snprintf(label, sizeof label, "%s=%g", name.c_str(), v);
    const std::string dir = run.dir + "/sweep/" + label;
    fs::create_directories(dir);
    int64_t nfe = 0;
    EvalContext ctx{run.config, run.model, dir, reporter,
                    [&](const GenerateOptions& go) {
                      auto out = generate(run.model, *run.domain, s.registry(), run.config, go, reporter);
                      nfe = out.nfe;
                      return out;
                    },
                    [&] { return o; }};
    s.term().info("sweep " + std::string(label));
    Metrics m = run.domain->evaluate(ctx);
    if (columns.empty()) {
      columns.push_back("nfe_per_sample");
      for (const auto& [k, val] : m) columns.push_back(k);
    }
    std::vector<double> row{double(nfe)};
    for (const auto& [k, val] : m) row.push_back(val);
    rows.push_back(row);
  }
  std::ostringstream csv;
  csv << name;
  for (const auto& c : columns) csv << ',' << c;
  csv << '\n';
  for (size_t i = 0; i < rows.size(); ++i) {
    csv << values[i];
    for (double v : rows[i]) csv << ',' << v;
    csv << '\n';
  }
  const std::string csv_path = run.dir + "/sweep_" + name + ".csv";
  write_text_atomically(csv_path, csv.str());
  plot::Figure fig;
  fig.panel_width = 320;
  fig.panel_height = 280;
  for (size_t c = 0; c < columns.size(); ++c) {
    plot::Axes ax;
    ax.title = columns[c];
    ax.xlabel = name;
    ax.legend = false;
    plot::Series line;
    line.line = true;
    line.marker_size = 3;
    line.x = values;
    for (const auto& r : rows) line.y.push_back(r[c]);
    ax.series = {line};
    fig.panels.push_back(ax);
  }
  fs::create_directories(run.dir + "/plots");
  const std::string png = run.dir + "/plots/sweep_" + name + ".png";
  plot::save_png(fig, png);
  std::printf("%s", csv.str().c_str());
  s.term().info("wrote " + csv_path + " and " + png);
  return kExitOk;
}

int run_sample(Session& s, const SampleArgs& a) {
  OpenedRun run = open_run(s, a.run_dir, a.sets);
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
  if (!a.sweep.empty()) return run_sweep(s, run, o, a.sweep);
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
