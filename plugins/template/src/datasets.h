// signal1d data: sums of sines whose frequencies come from a small discrete set (the "frequency modes" the
// discrete latents should capture), or the user's signals from a CSV / .npy file.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "disco/config.h"

namespace disco::signal1d {

struct SineOptions {
  int64_t length = 64;                          // samples per signal
  std::vector<double> frequencies{2, 5, 9, 14};  // the discrete set, in cycles per signal
  int64_t components = 1;                       // sines per signal, distinct frequencies from the set
  double amplitude_min = 0.5, amplitude_max = 1.0;
  double frequency_jitter = 0.0;                // each frequency moves by U(-j, j) cycles
  double noise = 0.0;                           // white observation noise (standard deviation)
};
// Reads the [data] keys; throws ConfigError for inconsistent settings (e.g. a frequency above Nyquist).
SineOptions sine_options_from_config(const Config& config);

struct SineDraw {
  at::Tensor x;     // [n, length] float
  at::Tensor mode;  // [n] int64: index of the first component's frequency in the set (ground truth)
};
// n signals x_t = sum_c a_c sin(2 pi f_c t / length + phi_c) + noise, f_c from the set, phi_c ~ U[0, 2 pi),
// a_c ~ U[amplitude_min, amplitude_max]. Deterministic in `seed`.
SineDraw make_sines(const SineOptions& o, int64_t n, uint64_t seed);

// The signals a config asks for, [N, data.length] float: a sine draw (data.n_train signals; `seed` picks the
// draw) or the file data.path (data.name = "csv" | "npy"; its row length must equal data.length). The test
// split of a file is data.test_path, or the training file when that is empty.
at::Tensor load_signals(const Config& config, const std::string& split, uint64_t seed);

}  // namespace disco::signal1d
