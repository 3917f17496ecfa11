// LibTorch before doctest: glog's CHECK would clobber doctest's.
#include <ATen/ATen.h>

#include "kmeans.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "csv_points.h"
#include "disco/error.h"
#include "metrics.h"
#include "networks.h"
#include "trajectory_metrics.h"

namespace fs = std::filesystem;
using namespace disco::toy2d;

namespace {

std::vector<Point> random_points(size_t n, std::mt19937_64& rng, double scale = 1.0) {
  std::normal_distribution<double> nd(0.0, scale);
  std::vector<Point> pts(n);
  for (auto& p : pts) p = {nd(rng), nd(rng)};
  return pts;
}

double brute_force_w2(const std::vector<Point>& a, const std::vector<Point>& b) {
  std::vector<size_t> perm(a.size());
  std::iota(perm.begin(), perm.end(), size_t{0});
  double best = INFINITY;
  do {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      const double dx = a[i].x - b[perm[i]].x, dy = a[i].y - b[perm[i]].y;
      s += dx * dx + dy * dy;
    }
    best = std::min(best, s / static_cast<double>(a.size()));
  } while (std::next_permutation(perm.begin(), perm.end()));
  return std::sqrt(best);
}

// A scratch directory removed at scope exit.
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("disco_test_toy2d_" + std::to_string(std::random_device{}()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = (path / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

std::string data_error_message(const std::string& path) {
  try {
    read_points_csv(path);
  } catch (const disco::DataError& e) {
    return e.what();
  }
  return "<no DataError>";
}

}  // namespace

TEST_CASE("W2 of a set and its translate is the translation length") {
  std::mt19937_64 rng(1);
  for (const size_t n : {1, 2, 7, 100, 500}) {
    const auto a = random_points(n, rng);
    const Point t{0.37, -1.25};
    std::vector<Point> b = a;
    for (auto& p : b) p = {p.x + t.x, p.y + t.y};
    std::shuffle(b.begin(), b.end(), rng);
    CHECK(wasserstein2_exact(a, b) == doctest::Approx(std::hypot(t.x, t.y)).epsilon(1e-9));
  }
}

TEST_CASE("W2 of a set with a shuffled copy of itself is 0") {
  std::mt19937_64 rng(2);
  const auto a = random_points(300, rng);
  auto b = a;
  std::shuffle(b.begin(), b.end(), rng);
  CHECK(wasserstein2_exact(a, b) == 0.0);
}

TEST_CASE("W2 matches brute force over all permutations for n = 6") {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 40; ++trial) {
    const auto a = random_points(6, rng), b = random_points(6, rng, 2.0);
    CHECK(wasserstein2_exact(a, b) == doctest::Approx(brute_force_w2(a, b)).epsilon(1e-12));
  }
  // Many exact ties: integer grid points.
  std::uniform_int_distribution<int> grid(0, 2);
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<Point> a(6), b(6);
    for (auto& p : a) p = {double(grid(rng)), double(grid(rng))};
    for (auto& p : b) p = {double(grid(rng)), double(grid(rng))};
    CHECK(wasserstein2_exact(a, b) == doctest::Approx(brute_force_w2(a, b)).epsilon(1e-12));
  }
}

TEST_CASE("W2 edge cases") {
  CHECK(wasserstein2_exact({}, {}) == 0.0);
  CHECK(wasserstein2_exact({{0, 0}}, {{3, 4}}) == doctest::Approx(5.0));
  CHECK_THROWS_AS(wasserstein2_exact({{0, 0}}, {}), std::invalid_argument);
  CHECK_THROWS_AS(wasserstein2_exact({{0, NAN}}, {{0, 0}}), std::invalid_argument);
  // Two points swapped against each other: the crossing assignment must not be chosen.
  CHECK(wasserstein2_exact({{0, 0}, {10, 0}}, {{10, 1}, {0, 1}}) == doctest::Approx(1.0));
}

TEST_CASE("off-mode fraction and mode assignment") {
  const std::vector<Point> means = {{0, 0}, {10, 0}};
  const double sigma = 0.5;  // on-mode radius 4 * 0.5 = 2
  const std::vector<Point> pts = {{0, 0}, {1.9, 0}, {2.1, 0}, {10, 1}, {5, 5}, {8.5, 0}, {0, -2.0}, {NAN, 0}};
  const std::vector<int> modes = assign_modes(pts, means, sigma);
  CHECK(modes == std::vector<int>{0, 0, -1, 1, -1, 1, 0, -1});
  CHECK(off_mode_fraction(pts, means, sigma) == doctest::Approx(3.0 / 8.0));
  CHECK(off_mode_fraction(pts, means, sigma, 100.0) == doctest::Approx(1.0 / 8.0));  // only NaN is off
  CHECK(off_mode_fraction({}, means, sigma) == 0.0);
  CHECK(off_mode_fraction(pts, {}, sigma) == 1.0);
  CHECK_THROWS_AS(off_mode_fraction(pts, means, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(assign_modes(pts, means, sigma, -1.0), std::invalid_argument);
}

TEST_CASE("mode masses and mode-mass error") {
  const std::vector<Point> means = {{0, 0}, {10, 0}, {0, 10}, {10, 10}};
  std::vector<Point> pts;
  for (int i = 0; i < 5; ++i) pts.push_back({0.1 * i, 0});     // mode 0: 5 points
  for (int i = 0; i < 3; ++i) pts.push_back({10, 0.1 * i});    // mode 1: 3 points
  for (int i = 0; i < 2; ++i) pts.push_back({0.1 * i, 10});    // mode 2: 2 points
  pts.push_back({5, 5});                                       // off-mode, excluded
  const auto masses = mode_masses(pts, means, 0.5);
  REQUIRE(masses.size() == 4);
  CHECK(masses[0] == doctest::Approx(0.5));
  CHECK(masses[1] == doctest::Approx(0.3));
  CHECK(masses[2] == doctest::Approx(0.2));
  CHECK(masses[3] == 0.0);
  CHECK(std::accumulate(masses.begin(), masses.end(), 0.0) == doctest::Approx(1.0));
  // Uniform target 0.25: worst deviation is mode 0 (|0.5 - 0.25|) and mode 3 (|0 - 0.25|).
  CHECK(mode_mass_error(masses) == doctest::Approx(0.25));
  CHECK(mode_mass_error(masses, {0.5, 0.3, 0.1, 0.1}) == doctest::Approx(0.1));
  CHECK(mode_mass_error({0.25, 0.25, 0.25, 0.25}) == 0.0);
  CHECK(mode_mass_error({}) == 0.0);
  CHECK_THROWS_AS(mode_mass_error(masses, {0.5, 0.5}), std::invalid_argument);
  // No on-mode point at all: zero masses rather than a division by zero.
  const auto none = mode_masses({{50, 50}}, means, 0.5);
  CHECK(none == std::vector<double>(4, 0.0));
}

TEST_CASE("read_points_csv: good files") {
  TempDir dir;
  auto pts = read_points_csv(dir.write("plain.csv", "1,2\n-3.5,4e-3\n"));
  REQUIRE(pts.size() == 2);
  CHECK(pts[1].x == -3.5);
  CHECK(pts[1].y == 4e-3);

  pts = read_points_csv(dir.write("header.csv", "# comment\nx, y\n\n 1 , 2 \r\n+3,4\r\n   \n# end\n5,6"));
  REQUIRE(pts.size() == 3);
  CHECK(pts[0].x == 1.0);
  CHECK(pts[1].x == 3.0);
  CHECK(pts[2].y == 6.0);

  pts = read_points_csv(dir.write("extra.csv", "x,y,latent\n1,2,0\n3,4,\n"));
  REQUIRE(pts.size() == 2);
  CHECK(pts[1].y == 4.0);
}

TEST_CASE("read_points_csv: errors name file and line") {
  TempDir dir;
  std::string p = dir.write("bad.csv", "x,y\n1,2\n1,abc\n");
  std::string msg = data_error_message(p);
  CHECK(msg.find(p + ":3:") != std::string::npos);
  CHECK(msg.find("expected 2 numbers, got '1,abc'") != std::string::npos);

  p = dir.write("one.csv", "1,2\n7\n");
  CHECK(data_error_message(p) == p + ":2: expected 2 numbers, got '7'");

  p = dir.write("ragged.csv", "1,2\n3,4\n5,6,7\n");
  CHECK(data_error_message(p) == p + ":3: row has 3 fields, expected 2");

  p = dir.write("ragged_extra.csv", "1,2,0\n3,4\n");
  CHECK(data_error_message(p) == p + ":2: row has 2 fields, expected 3");

  p = dir.write("nan.csv", "1,2\nnan,1\n");
  msg = data_error_message(p);
  CHECK(msg.find(p + ":2: non-finite") != std::string::npos);
  p = dir.write("inf.csv", "1,inf\n");
  CHECK(data_error_message(p).find(p + ":1: non-finite") != std::string::npos);
  p = dir.write("huge.csv", "1,1e999\n");
  CHECK(data_error_message(p).find(p + ":1: non-finite") != std::string::npos);

  p = dir.write("trailing.csv", "1,2x\n");
  CHECK(data_error_message(p).find(p + ":1: expected 2 numbers") != std::string::npos);

  p = dir.write("empty.csv", "");
  CHECK(data_error_message(p) == p + ": no points");
  p = dir.write("header_only.csv", "x,y\n# nothing\n\n");
  CHECK(data_error_message(p) == p + ": no points");

  p = (dir.path / "missing.csv").string();
  msg = data_error_message(p);
  CHECK(msg.find("cannot read '" + p + "': ") == 0);
  CHECK(msg.size() > ("cannot read '" + p + "': ").size());  // a reason follows
  CHECK(data_error_message(dir.path.string()).find("cannot read '") == 0);
}

TEST_CASE("write_points_csv round-trips exactly") {
  TempDir dir;
  std::mt19937_64 rng(5);
  const auto pts = random_points(200, rng, 3.0);
  std::vector<int64_t> latents(pts.size());
  for (size_t i = 0; i < latents.size(); ++i) latents[i] = static_cast<int64_t>(i % 8);
  const std::string p = (dir.path / "out.csv").string();
  write_points_csv(p, pts, latents);
  CHECK_FALSE(fs::exists(p + ".tmp"));
  auto back = read_points_csv(p);
  REQUIRE(back.size() == pts.size());
  for (size_t i = 0; i < pts.size(); ++i) {
    CHECK(back[i].x == pts[i].x);
    CHECK(back[i].y == pts[i].y);
  }
  std::ifstream in(p);
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  CHECK(header == "x,y,latent");
  CHECK(row.substr(row.rfind(',')) == ",0");

  write_points_csv(p, pts, {});  // blank latent column still reads back
  back = read_points_csv(p);
  CHECK(back.size() == pts.size());

  CHECK_THROWS_AS(write_points_csv(p, pts, {1, 2}), std::invalid_argument);
  CHECK_THROWS_AS(write_points_csv("/nonexistent_disco_dir/x.csv", pts, {}), disco::RuntimeError);
}

TEST_CASE("k-means finds the centres of well-separated clusters, whatever the seed") {
  // Three clusters of 200 points (sd 0.1) around known centres; k-means++ + Lloyd must recover them.
  const std::vector<std::array<double, 2>> truth = {{-3.0, 0.0}, {2.0, 2.0}, {1.0, -4.0}};
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0.0, 0.1);
  std::vector<double> flat;
  for (const auto& c : truth)
    for (int i = 0; i < 200; ++i) flat.insert(flat.end(), {c[0] + noise(rng), c[1] + noise(rng)});
  const at::Tensor points = at::tensor(flat, at::kDouble).reshape({600, 2});
  for (uint64_t seed : {0, 1, 2, 3}) {
    const at::Tensor centres = kmeans_centres(points, 3, seed);
    REQUIRE(centres.sizes() == at::IntArrayRef({3, 2}));
    for (const auto& c : truth) {
      const double nearest = (centres - at::tensor({c[0], c[1]}, at::kDouble)).norm(2, 1).min().item<double>();
      CHECK(nearest < 0.05);  // the cluster mean is within ~0.1/sqrt(200) of the true centre
    }
  }
  // Same seed, same centres.
  CHECK(at::equal(kmeans_centres(points, 3, 7), kmeans_centres(points, 3, 7)));
}

TEST_CASE("trajectory metrics: a score with a zero network part is straight, with the Gaussian term's Jacobian") {
  // G(x, t, z) = (F(z) - x) / (t^2 + s^2) + H: with H's output layer zeroed, the ODE runs straight at F(z),
  // dG/dx = -I / (t^2 + s^2) (squared Frobenius norm 2 / (t^2 + s^2)^2) and the network part's Jacobian is 0.
  const double s = 0.2;
  Toy2dDenoiserImpl net(1, 8, 16, s, 3.0, 1.0);
  for (auto& p : net.named_parameters())
    if (p.key().rfind("h.6.", 0) == 0) p.value().detach().zero_();
  at::manual_seed(3);
  disco::Trajectory tr;
  tr.sigmas = {2.0, 0.5};
  tr.states = {at::randn({32, 2}) * 3.0, at::randn({32, 2})};
  const auto z = disco::Latents::from_indices(at::randint(8, {32, 1}, at::TensorOptions().dtype(at::kLong)), 8);
  const auto curve = curvature_and_jacobian(net, tr, z, 1e-3);
  REQUIRE(curve.size() == 2);
  for (const auto& p : curve) {
    const double expected = 2.0 / std::pow(p.t * p.t + s * s, 2);
    CHECK(p.jacobian == doctest::Approx(expected).epsilon(1e-4));
    CHECK(p.jacobian_network == doctest::Approx(0.0));
    CHECK(p.curvature < 1e-3);
  }
}
