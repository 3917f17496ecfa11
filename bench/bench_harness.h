// What the benchmark programs (disco_bench_toy2d, disco_bench_image) share: the options every one takes,
// wall and CPU timing of warm-up + timed repeats, medians, JSON number lists, peak RSS, reaching a domain as
// the CLI does (plugin loader + registry + merged schema), and main()'s one-line error reporting.
#pragma once
#include <c10/util/Exception.h>
#include <sys/resource.h>
#include <torch/nn/module.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "disco/config.h"
#include "disco/domain.h"
#include "disco/error.h"
#include "disco/host/plugin_loader.h"
#include "disco/registry.h"

namespace disco::bench {

using Clock = std::chrono::steady_clock;
inline double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
// CPU time of the whole process (all threads): less disturbed than wall time when other work shares the cores.
inline double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

inline std::string json_list(const std::vector<double>& v) {
  std::string s = "[";
  char buf[64];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s%.9g", i ? ", " : "", v[i]);
    s += buf;
  }
  return s + "]";
}

inline int64_t count_params(torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

// Peak resident memory of this process so far, KiB (getrusage).
inline long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// "name:d0xd1x..." for every parameter, so the report can compare the two sides tensor by tensor.
inline std::string json_shapes(torch::nn::Module& m) {
  std::string s = "{";
  bool first = true;
  for (const auto& item : m.named_parameters()) {
    s += std::string(first ? "" : ", ") + "\"" + item.key() + "\": [";
    for (int64_t d = 0; d < item.value().dim(); ++d) s += (d ? ", " : "") + std::to_string(item.value().size(d));
    s += "]";
    first = false;
  }
  return s + "}";
}
inline int all_cores() { return int(std::max(1u, std::thread::hardware_concurrency())); }

// The options every benchmark takes; each program sets its own defaults before parsing.
struct CommonOptions {
  int threads = all_cores();
  int repeats = 3;
  int warmup = 1;
  std::string workload = "all";
  int64_t train_steps = 5;  // training steps per timed repeat (the reported time is per step)
  int64_t batch = 32;
  int64_t sample_n = 64;
  int64_t sample_steps = 18;
  bool json = false;
  std::string plugin_path;
};

// Parses argv into `o`. An option that is not common goes to `extra(arg, value)`, which returns whether it
// knew it (`value()` takes the option's argument). `usage` is printf'd with the core count for --help.
// `workloads` lists the valid --workload values, "all" last. Throws UsageError.
inline void parse_options(int argc, char** argv, CommonOptions& o, const char* usage,
                          const std::vector<std::string>& workloads,
                          const std::function<bool(const std::string&, const std::function<std::string()>&)>& extra) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const std::function<std::string()> value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError(a + " needs a value");
      return argv[++i];
    };
    if (a == "--threads") o.threads = std::stoi(value());
    else if (a == "--repeats") o.repeats = std::stoi(value());
    else if (a == "--warmup") o.warmup = std::stoi(value());
    else if (a == "--workload") o.workload = value();
    else if (a == "--train-steps") o.train_steps = std::stoll(value());
    else if (a == "--batch") o.batch = std::stoll(value());
    else if (a == "--sample-n") o.sample_n = std::stoll(value());
    else if (a == "--sample-steps") o.sample_steps = std::stoll(value());
    else if (a == "--plugin-path") o.plugin_path = value();
    else if (a == "--json") o.json = true;
    else if (a == "-h" || a == "--help") {
      std::printf(usage, all_cores());
      std::exit(0);
    } else if (!extra(a, value)) {
      throw UsageError("unknown option '" + a + "' (see --help)");
    }
  }
  if (o.threads < 1 || o.repeats < 1 || o.warmup < 0 || o.train_steps < 1 || o.batch < 1 || o.sample_n < 1 ||
      o.sample_steps < 1)
    throw UsageError("--threads, --repeats, --train-steps, --batch, --sample-n, --sample-steps must be >= 1 "
                     "and --warmup >= 0");
  if (std::find(workloads.begin(), workloads.end(), o.workload) == workloads.end()) {
    std::string list;
    for (size_t i = 0; i < workloads.size(); ++i)
      list += (i == 0 ? "" : i + 1 == workloads.size() ? " or " : ", ") + workloads[i];
    throw UsageError("--workload must be " + list + " (got '" + o.workload + "')");
  }
}

// One repeat's clocks. The body may stop them itself, so that checks after the timed work are not counted.
class Stopwatch {
 public:
  Stopwatch() : t0_(Clock::now()), c0_(cpu_seconds()) {}
  void stop() {
    if (stopped_) return;
    wall_ = since(t0_);
    cpu_ = cpu_seconds() - c0_;
    stopped_ = true;
  }
  double wall() const { return wall_; }
  double cpu() const { return cpu_; }

 private:
  Clock::time_point t0_;
  double c0_;
  double wall_ = 0, cpu_ = 0;
  bool stopped_ = false;
};

struct Timings {
  std::vector<double> wall, cpu;  // per timed repeat, divided by `per` (e.g. seconds per training step)
};

// Runs body(timed, stopwatch) `warmup` times untimed, then `repeats` times timed.
template <class Body>
Timings time_repeats(int warmup, int repeats, double per, Body body) {
  Timings t;
  for (int r = 0; r < warmup + repeats; ++r) {
    const bool timed = r >= warmup;
    Stopwatch watch;
    body(timed, watch);
    watch.stop();
    if (timed) t.wall.push_back(watch.wall() / per), t.cpu.push_back(watch.cpu() / per);
  }
  return t;
}

// Loads the plugins from the CLI's search path (`plugin_path` first) into `registry`.
inline void load_plugins(PluginLoader& loader, Registry& registry, const std::string& plugin_path) {
  register_core_components(registry);
  loader.load_directories(plugin_search_path(plugin_path, boost::dll::program_location().string()), registry);
}

// The domain `name`; when it is missing, the error names the plugin that failed to load it.
inline std::shared_ptr<Domain> find_domain(const PluginLoader& loader, Registry& registry, const std::string& name) {
  try {
    return registry.domain(name);
  } catch (const PluginError&) {
    if (const auto* rec = loader.explain_missing(name))
      throw PluginError("domain '" + name + "' is not available: " + rec->path + ": " + rec->error);
    throw;
  }
}

// Validates `config` against the core schema merged with the domain's, as the CLI does.
inline void validate_config(Config& config, const Domain& domain, const std::string& domain_name) {
  Schema schema = core_schema();
  schema.merge(Schema::parse(domain.schema(), "schema of plugin '" + domain_name + "'"));
  config.validate(schema);
}

// main(): runs `run` and turns an exception into one "error:" line and disco's exit code.
inline int run_main(const std::function<int()>& run) {
  try {
    return run();
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return e.exit_code();
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    std::fprintf(stderr, "error: LibTorch: %s\n", what.substr(0, what.find('\n')).c_str());
    return kExitRuntime;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitUsage;
  }
}

}  // namespace disco::bench
