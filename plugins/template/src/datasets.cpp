#include "datasets.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "disco/error.h"
#include "signal_io.h"

namespace disco::signal1d {

SineOptions sine_options_from_config(const Config& c) {
  SineOptions o;
  o.length = c.get_int("data.length");
  o.frequencies = c.get_float_list("data.frequencies");
  o.components = c.get_int("data.components");
  o.amplitude_min = c.get_float("data.amplitude_min");
  o.amplitude_max = c.get_float("data.amplitude_max");
  o.frequency_jitter = c.get_float("data.frequency_jitter");
  o.noise = c.get_float("data.noise");
  if (o.frequencies.empty()) throw ConfigError(c.where("data.frequencies").str() + ": data.frequencies is empty");
  for (double f : o.frequencies)
    if (f + o.frequency_jitter >= o.length / 2.0)
      throw ConfigError(c.where("data.frequencies").str() + ": frequency " + std::to_string(f) +
                        " (+ jitter) is at or above Nyquist (data.length / 2 = " + std::to_string(o.length / 2.0) + ")");
  if (o.components > int64_t(o.frequencies.size()))
    throw ConfigError(c.where("data.components").str() + ": data.components (" + std::to_string(o.components) +
                      ") exceeds the number of data.frequencies (" + std::to_string(o.frequencies.size()) + ")");
  if (o.amplitude_min > o.amplitude_max)
    throw ConfigError(c.where("data.amplitude_min").str() + ": data.amplitude_min must be <= data.amplitude_max");
  return o;
}

SineDraw make_sines(const SineOptions& o, int64_t n, uint64_t seed) {
  const double two_pi = 2 * 3.14159265358979323846;
  auto gen = at::detail::createCPUGenerator(seed);
  const int64_t n_freq = int64_t(o.frequencies.size());
  auto freq_set = at::tensor(o.frequencies, at::kDouble);
  // Distinct frequencies per signal: the first `components` entries of a random permutation of the set
  // (argsort of uniform noise draws one permutation per row).
  auto picks = at::rand({n, n_freq}, gen, at::kDouble).argsort(/*dim=*/1, /*descending=*/false).narrow(1, 0, o.components);  // [n, c]
  auto f = freq_set.index_select(0, picks.reshape(-1)).reshape({n, o.components});                // [n, c]
  if (o.frequency_jitter > 0) f = f + (at::rand({n, o.components}, gen, at::kDouble) * 2 - 1) * o.frequency_jitter;
  auto phase = at::rand({n, o.components}, gen, at::kDouble) * two_pi;
  auto amp = o.amplitude_min + at::rand({n, o.components}, gen, at::kDouble) * (o.amplitude_max - o.amplitude_min);
  auto t = at::arange(o.length, at::kDouble).reshape({1, 1, -1});  // [1, 1, L]
  auto waves = amp.unsqueeze(2) * at::sin(two_pi * f.unsqueeze(2) * t / double(o.length) + phase.unsqueeze(2));
  auto x = waves.sum(1);
  if (o.noise > 0) x = x + at::randn({n, o.length}, gen, at::kDouble) * o.noise;
  return {x.to(at::kFloat).contiguous(), picks.select(1, 0).contiguous()};
}

at::Tensor load_signals(const Config& c, const std::string& split, uint64_t seed) {
  const std::string& name = c.get_string("data.name");
  const int64_t length = c.get_int("data.length");
  if (name == "sines") return make_sines(sine_options_from_config(c), c.get_int("data.n_train"), seed).x;
  const std::string key = split == "test" && !c.get_string("data.test_path").empty() ? "data.test_path" : "data.path";
  const std::string& path = c.get_string(key);
  if (path.empty()) throw ConfigError(c.where("data.name").str() + ": data.name = \"" + name + "\" needs data.path");
  at::Tensor x = name == "npy" ? read_signals_npy(path) : read_signals_csv(path);
  if (x.size(1) != length)
    throw ConfigError(c.where("data.length").str() + ": data.length is " + std::to_string(length) + " but " + path +
                      " holds signals of " + std::to_string(x.size(1)) + " samples; set data.length = " +
                      std::to_string(x.size(1)));
  return x;
}

}  // namespace disco::signal1d
