// Unit tests of the signal1d internals (file formats, data, metrics). The Domain itself is covered by the
// conformance suite (tests/conformance/), which runs against every plugin; these test what only this plugin has.
#include <ATen/ATen.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>

#include "datasets.h"
#include "disco/error.h"
#include "metrics.h"
#include "signal_io.h"
#include <doctest/doctest.h>

using namespace disco::signal1d;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("signal1d_test_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name, const std::string& content) const {
    const auto p = (path / name).string();
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const disco::Error& e) {
    return e.what();
  }
  return "";
}

// A .npy v1.0 file: magic, version, little-endian header length, the dict padded to 64 bytes, then the data.
std::string npy(const std::string& descr, const std::string& shape, bool fortran, const void* data, size_t bytes) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                       ", 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  return out + header + std::string(static_cast<const char*>(data), bytes);
}

}  // namespace

TEST_CASE("CSV: written samples read back as data, latent column dropped") {
  TempDir dir;
  const auto path = (dir.path / "s.csv").string();
  auto x = at::randn({5, 7});
  write_signals_csv(path, x, at::tensor({0, 3, 1, 1, 2}, at::kLong).unsqueeze(1));
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  CHECK(header == "x0,x1,x2,x3,x4,x5,x6,latent");
  auto back = read_signals_csv(path);
  CHECK(back.sizes() == x.sizes());
  CHECK(at::equal(back, x));  // %.9g round-trips float32 exactly
  write_signals_csv(path, x, at::Tensor());  // the baseline: blank latent column
  CHECK(at::equal(read_signals_csv(path), x));
}

TEST_CASE("CSV: headerless files, comments, CRLF, and errors that name the place") {
  TempDir dir;
  auto x = read_signals_csv(dir.file("a.csv", "# two signals\r\n1, 2,3\r\n\r\n4,5,+6\r\n"));
  CHECK(at::equal(x, at::tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}).reshape({2, 3})));
  CHECK(error_of([&] { read_signals_csv(dir.file("b.csv", "1,2,3\n4,5\n")); }).find("b.csv:2: row has 2 fields, expected 3") !=
        std::string::npos);
  CHECK(error_of([&] { read_signals_csv(dir.file("c.csv", "1,2\n3,abc\n")); }).find("c.csv:2: field 2 is not a number: 'abc'") !=
        std::string::npos);
  CHECK(error_of([&] { read_signals_csv(dir.file("d.csv", "1,nan\n")); }).find("d.csv:1: non-finite value in field 2") !=
        std::string::npos);
  CHECK(error_of([&] { read_signals_csv(dir.file("e.csv", "x0,x1\n# nothing\n")); }).find("e.csv: no signals") !=
        std::string::npos);
  CHECK(error_of([&] { read_signals_csv((dir.path / "missing.csv").string()); }).find("cannot read") != std::string::npos);
}

TEST_CASE(".npy: float32 and float64, C and Fortran order, one signal, and refusals") {
  TempDir dir;
  const float f32[6] = {1, 2, 3, 4, 5, 6};
  const double f64[6] = {1, 2, 3, 4, 5, 6};
  const auto want = at::tensor({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}).reshape({2, 3});
  CHECK(at::equal(read_signals_npy(dir.file("a.npy", npy("<f4", "(2, 3)", false, f32, sizeof f32))), want));
  CHECK(at::equal(read_signals_npy(dir.file("b.npy", npy("<f8", "(2, 3)", false, f64, sizeof f64))), want));
  // Fortran order stores columns first: the same bytes are the transposed matrix.
  CHECK(at::equal(read_signals_npy(dir.file("c.npy", npy("<f4", "(3, 2)", true, f32, sizeof f32))), want.t()));
  CHECK(read_signals_npy(dir.file("d.npy", npy("<f4", "(6,)", false, f32, sizeof f32))).sizes() == at::IntArrayRef{1, 6});
  const int32_t i32[6] = {1, 2, 3, 4, 5, 6};
  CHECK(error_of([&] { read_signals_npy(dir.file("e.npy", npy("<i4", "(2, 3)", false, i32, sizeof i32))); })
            .find("dtype '<i4' is not supported") != std::string::npos);
  CHECK(error_of([&] { read_signals_npy(dir.file("f.npy", npy("<f4", "(2, 3)", false, f32, 8))); }).find("truncated") !=
        std::string::npos);
  CHECK(error_of([&] { read_signals_npy(dir.file("g.npy", "hello")); }).find("not a .npy file") != std::string::npos);
}

TEST_CASE("sines: frequencies from the set, amplitudes in range, deterministic in the seed") {
  SineOptions o;
  o.noise = 0;
  const auto a = make_sines(o, 400, 5), b = make_sines(o, 400, 5), c = make_sines(o, 400, 6);
  CHECK(at::equal(a.x, b.x));
  CHECK_FALSE(at::equal(a.x, c.x));
  // With integer frequencies and no noise, the dominant frequency is exactly the mode's frequency.
  auto dominant = summary_statistics(a.x).select(1, 1);
  auto mode_freq = at::tensor(o.frequencies, at::kDouble).index_select(0, a.mode);
  CHECK(at::equal(dominant, mode_freq));
  // Every mode appears (400 draws of 4 equally likely modes).
  CHECK(std::get<0>(at::_unique(a.mode)).numel() == 4);
  auto peak = a.x.abs().amax(1);
  CHECK(peak.min().item<double>() >= o.amplitude_min * 0.9);  // a sampled sine reaches close to its amplitude
  CHECK(peak.max().item<double>() <= o.amplitude_max + 1e-5);
}

TEST_CASE("metrics: zero for identical sets, the floor is small, a wrong distribution is far") {
  SineOptions o;
  const auto d1 = make_sines(o, 2000, 1).x, d2 = make_sines(o, 2000, 2).x;
  SineOptions shifted = o;
  shifted.frequencies = {3, 6, 10, 15};
  const auto wrong = make_sines(shifted, 2000, 3).x;
  const auto p1 = mean_power_spectrum(d1), p2 = mean_power_spectrum(d2), pw = mean_power_spectrum(wrong);
  CHECK(p1.size(0) == 33);
  CHECK(spectrum_error(p1, p1) == 0.0);
  CHECK(spectrum_error(p2, p1) < 0.1);
  CHECK(spectrum_error(pw, p1) > 1.8);  // the power moved to other bins: close to the maximum, 2
  const auto s1 = summary_statistics(d1), s2 = summary_statistics(d2), sw = summary_statistics(wrong);
  CHECK(gaussian_w2(s1, s1) == doctest::Approx(0.0).epsilon(1e-6));
  CHECK(gaussian_w2(s2, s1) < 0.2);
  CHECK(gaussian_w2(sw, s1) > 3 * gaussian_w2(s2, s1));  // every frequency one cycle off: well above the floor
  for (double w : marginal_w2(s1, s1)) CHECK(w == 0.0);
  // Parseval: the mean power over all bins of a unit sine at an integer frequency is 1/2 per sample.
  auto t = at::arange(64, at::kDouble);
  auto sine = at::sin(2 * M_PI * 5 * t / 64).unsqueeze(0);
  CHECK(mean_power_spectrum(sine)[5].item<double>() == doctest::Approx(64.0 / 4));
}

TEST_CASE("code purity: one frequency per code is 1, codes that ignore frequency are 1/#frequencies") {
  auto freq = at::tensor({2, 2, 5, 5, 9, 9, 14, 14}, at::kLong);
  CHECK(code_purity(freq, at::tensor({0, 0, 1, 1, 2, 2, 3, 3}, at::kLong)) == 1.0);
  CHECK(code_purity(freq, at::tensor({0, 1, 0, 1, 0, 1, 0, 1}, at::kLong)) == doctest::Approx(0.25));
}
