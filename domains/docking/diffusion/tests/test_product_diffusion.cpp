// Product-space diffusion math: IGSO(3) density, sampler and score; wrapped-normal score; geometric
// schedules; the reverse step (it must carry a Gaussian back to the data); applying one ligand's pose update.
#include <ATen/ATen.h>
// torch before doctest (glog's CHECK clobbers doctest's)
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "diffusion/igso3.h"
#include "diffusion/pose_sampler_step.h"
#include "diffusion/pose_update.h"
#include "diffusion/sigma_schedule.h"
#include "equivariant/spherical_harmonics.h"
#include "diffusion/wrapped_normal.h"
#include "equivariant/tests/test_helpers.h"

using namespace disco::equivariant;
using disco::equivariant::testing::max_abs_diff;

namespace {
const auto kF64 = at::TensorOptions().dtype(at::kDouble);

// CDF of the IGSO(3) angle by Simpson's rule on a fine grid, independent of the table.
double angle_cdf(double omega, double sigma) {
  const int n = 4000;  // even
  const double h = omega / n;
  double s = 0.0;
  for (int i = 0; i <= n; ++i) {
    const double w = i * h;
    const double p = i == 0 ? 0.0 : Igso3Table::angle_density(w, sigma);
    s += p * (i == 0 || i == n ? 1.0 : (i % 2 ? 4.0 : 2.0));
  }
  return s * h / 3.0;
}

// The same CDF tabulated by the trapezoid rule on 20000 intervals (independent of Igso3Table's grid), then
// read by linear interpolation: cheap enough to evaluate at every sample.
struct ReferenceCdf {
  std::vector<double> cdf;
  explicit ReferenceCdf(double sigma) : cdf(20001, 0.0) {
    double prev = 0.0;
    for (int i = 1; i <= 20000; ++i) {
      const double p = Igso3Table::angle_density(M_PI * i / 20000.0, sigma);
      cdf[i] = cdf[i - 1] + 0.5 * (p + prev) * M_PI / 20000.0;
      prev = p;
    }
  }
  double operator()(double omega) const {
    const double x = std::clamp(omega / M_PI * 20000.0, 0.0, 19999.999);
    const int i = static_cast<int>(x);
    return cdf[i] + (x - i) * (cdf[i + 1] - cdf[i]);
  }
};
}  // namespace

TEST_CASE("geometric sigma schedules have DiffDock's ranges and g^2 = d sigma^2 / dt") {
  const ProductSpaceSchedule s;
  CHECK(s.translation.sigma(0.0) == doctest::Approx(0.1));
  CHECK(s.translation.sigma(1.0) == doctest::Approx(19.0));
  CHECK(s.rotation.sigma(0.0) == doctest::Approx(0.03));
  CHECK(s.rotation.sigma(1.0) == doctest::Approx(1.55));
  CHECK(s.torsion.sigma(0.0) == doctest::Approx(0.0314));
  CHECK(s.torsion.sigma(1.0) == doctest::Approx(M_PI));
  const double t = 0.37, h = 1e-6;
  const double numeric = (std::pow(s.translation.sigma(t + h), 2) - std::pow(s.translation.sigma(t - h), 2)) / (2 * h);
  CHECK(s.translation.g(t) * s.translation.g(t) == doctest::Approx(numeric).epsilon(1e-6));
}

TEST_CASE("IGSO(3): the angle density integrates to one") {
  for (double sigma : {0.03, 0.1, 0.5, 1.55}) {
    CAPTURE(sigma);
    CHECK(angle_cdf(M_PI, sigma) == doctest::Approx(1.0).epsilon(1e-6));
  }
}

TEST_CASE("IGSO(3) sampler: angles follow the density (Kolmogorov-Smirnov), axes are uniform") {
  at::Generator gen = at::detail::createCPUGenerator(21);
  const int64_t n = 20000;
  const auto t0 = std::chrono::steady_clock::now();
  (void)igso3_table();
  MESSAGE("IGSO(3) table built in " << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
                                    << " s (or earlier, by another test)");
  for (double sigma : {0.05, 0.4, 1.2, 1.55}) {
    const ReferenceCdf reference(sigma);
    const at::Tensor v = igso3_table().sample(at::full({n}, sigma, kF64), gen);
    at::Tensor angles = std::get<0>(v.norm(2, 1).sort());
    auto a = angles.accessor<double, 1>();
    double ks = 0.0;
    for (int64_t k = 0; k < n; ++k) {
      const double F = reference(a[k]);
      ks = std::max({ks, std::abs(F - static_cast<double>(k) / n), std::abs(F - static_cast<double>(k + 1) / n)});
    }
    const double bound = 1.63 / std::sqrt(static_cast<double>(n));  // KS critical value at alpha = 0.01
    MESSAGE("IGSO(3) sigma " << sigma << ": KS distance " << ks << " (bound " << bound << ")");
    CHECK(ks < bound);
    const at::Tensor axes = v / v.norm(2, 1, true);
    CHECK(axes.mean(0).abs().max().item<double>() < 0.03);
  }
}

TEST_CASE("IGSO(3) score = gradient of the log density (finite differences in R^3)") {
  at::Generator gen = at::detail::createCPUGenerator(22);
  double worst = 0.0;
  for (double sigma : {0.03, 0.07, 0.2, 0.6, 1.0, 1.55}) {
    // Points where the density matters: sampled from the distribution itself.
    const at::Tensor v = igso3_table().sample(at::full({40}, sigma, kF64), gen);
    const at::Tensor score = igso3_table().score(v, at::full({40}, sigma, kF64));
    auto va = v.accessor<double, 2>();
    for (int64_t k = 0; k < v.size(0); ++k) {
      const double h = 1e-5 * std::max(sigma, 0.05);
      std::vector<double> grad(3);
      for (int d = 0; d < 3; ++d) {
        double p[3] = {va[k][0], va[k][1], va[k][2]}, m[3] = {va[k][0], va[k][1], va[k][2]};
        p[d] += h;
        m[d] -= h;
        const double lp = std::log(Igso3Table::series(std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]), sigma));
        const double lm = std::log(Igso3Table::series(std::sqrt(m[0] * m[0] + m[1] * m[1] + m[2] * m[2]), sigma));
        grad[d] = (lp - lm) / (2 * h);
      }
      const at::Tensor g = at::tensor(grad, kF64);
      const double rel = (score[k] - g).norm().item<double>() / std::max(g.norm().item<double>(), 1.0 / sigma);
      worst = std::max(worst, rel);
    }
  }
  MESSAGE("IGSO(3) table score vs finite differences of log f: worst relative error " << worst);
  CHECK(worst < 2e-3);
  // Small sigma: E|score|^2 -> 3 / sigma^2 (a 3-d Gaussian).
  const double s = 0.03;
  CHECK(igso3_table().score_norm(at::full({1}, s, kF64)).item<double>() * s * s == doctest::Approx(3.0).epsilon(0.03));
}

TEST_CASE("wrapped normal: normalised, score = finite differences of the log density, samples wrapped") {
  const at::Tensor x = at::linspace(-M_PI, M_PI, 201, kF64);
  for (double sigma : {0.0314, 0.3, 1.0, M_PI}) {
    CAPTURE(sigma);
    const at::Tensor s = at::full_like(x, sigma);
    const double h = 1e-5;
    const at::Tensor numeric = (wrapped_normal_log_density(x + h, s) - wrapped_normal_log_density(x - h, s)) / (2 * h);
    const at::Tensor score = wrapped_normal_score(x, s);
    // Where the density is not negligibly small.
    const at::Tensor keep = wrapped_normal_log_density(x, s) > -30.0;
    const double err = max_abs_diff(score.masked_select(keep), numeric.masked_select(keep)) /
                       std::max(1.0, numeric.masked_select(keep).abs().max().item<double>());
    CHECK(err < 1e-6);
    const double integral = at::exp(wrapped_normal_log_density(x, s)).narrow(0, 0, 200).sum().item<double>() *
                            (2 * M_PI / 200);
    CHECK(integral == doctest::Approx(1.0).epsilon(1e-3));
  }
  at::Generator gen = at::detail::createCPUGenerator(23);
  const at::Tensor samples = wrapped_normal_sample(at::full({5000}, 2.0, kF64), gen);
  CHECK(samples.max().item<double>() <= M_PI);
  CHECK(samples.min().item<double>() > -M_PI);
  CHECK(wrapped_normal_score_norm(at::full({1}, 0.05, kF64)).item<double>() * 0.05 * 0.05 ==
        doctest::Approx(1.0).epsilon(0.01));
  CHECK(max_abs_diff(wrap_angle(at::tensor({3 * M_PI, -0.5, 7.0}, kF64)),
                     at::tensor({M_PI, -0.5, 7.0 - 2 * M_PI}, kF64)) < 1e-12);
}

TEST_CASE("reverse step: exact scores carry the prior back to the data (SDE and ODE); no noise on the last step") {
  // Data N(0, 1) in each translation coordinate; p_t = N(0, 1 + sigma(t)^2), score -x / (1 + sigma^2).
  const ProductSpaceSchedule schedule;
  for (double tau : {1.0, 0.0}) {
    at::Generator gen = at::detail::createCPUGenerator(31);
    const int64_t B = 4000, steps = 500;
    const double s1 = schedule.translation.sigma(1.0);
    at::Tensor x = at::randn({B, 3}, gen, kF64) * std::sqrt(1.0 + s1 * s1);
    for (int64_t i = 0; i < steps; ++i) {
      const double t = 1.0 - static_cast<double>(i) / steps, t_next = 1.0 - static_cast<double>(i + 1) / steps;
      const double s = schedule.translation.sigma(t);
      const at::Tensor score = -x / (1.0 + s * s);
      const PoseUpdate u = reverse_step(schedule, t, t_next, score, at::zeros({B, 3}, kF64), at::zeros({0}, kF64),
                                        {tau, 1.0, 1.0}, i + 1 == steps, gen);
      x = x + u.translation;
    }
    const double std_final = x.std().item<double>();
    const double expected = std::sqrt(1.0 + std::pow(schedule.translation.min, 2));
    MESSAGE("reverse " << (tau > 0 ? "SDE" : "ODE") << ": final std " << std_final << " (expected " << expected << ")");
    CHECK(std_final == doctest::Approx(expected).epsilon(0.05));
  }
  // Last step: the same scores give the same update whatever the random state.
  at::Generator g1 = at::detail::createCPUGenerator(1), g2 = at::detail::createCPUGenerator(2);
  const at::Tensor sc = at::ones({2, 3}, kF64), tor = at::ones({4}, kF64);
  const PoseUpdate a = reverse_step(schedule, 0.05, 0.0, sc, sc, tor, {}, true, g1);
  const PoseUpdate b = reverse_step(schedule, 0.05, 0.0, sc, sc, tor, {}, true, g2);
  CHECK(max_abs_diff(a.translation, b.translation) == 0.0);
  CHECK(max_abs_diff(a.rotation, b.rotation) == 0.0);
  CHECK(max_abs_diff(a.torsion, b.torsion) == 0.0);
  const PoseUpdate c = reverse_step(schedule, 0.05, 0.0, sc, sc, tor, {}, false, g1);
  CHECK(max_abs_diff(a.rotation, c.rotation) > 0.0);
}

TEST_CASE("reverse step with sharpening: exact scores of a N(0, 1) mode end at N(0, T) (SDE and ODE)") {
  const ProductSpaceSchedule schedule;
  CHECK(sharpening_factor(1.0, 0.0, 0.25) == doctest::Approx(4.0));
  CHECK(sharpening_factor(1.0, 1e4, 0.25) == doctest::Approx(1.0).epsilon(1e-6));
  CHECK(sharpening_factor(0.3, 0.7, 1.0) == 1.0);
  const double T = 0.25;
  for (double tau : {1.0, 0.0}) {
    at::Generator gen = at::detail::createCPUGenerator(37);
    const int64_t B = 4000, steps = 500;
    const double s1 = schedule.translation.sigma(1.0);
    at::Tensor x = at::randn({B, 3}, gen, kF64) * std::sqrt(1.0 + s1 * s1);
    Sharpening sharp;
    sharp.temperature = T;
    sharp.translation_width = 1.0;
    for (int64_t i = 0; i < steps; ++i) {
      const double t = 1.0 - static_cast<double>(i) / steps, t_next = 1.0 - static_cast<double>(i + 1) / steps;
      const double s = schedule.translation.sigma(t);
      const at::Tensor score = -x / (1.0 + s * s);  // the unsharpened model's score
      const PoseUpdate u = reverse_step(schedule, t, t_next, score, at::zeros({B, 3}, kF64), at::zeros({0}, kF64),
                                        {tau, 1.0, 1.0}, i + 1 == steps, gen, sharp);
      x = x + u.translation;
    }
    const double std_final = x.std().item<double>();
    const double expected = std::sqrt(T + std::pow(schedule.translation.min, 2));
    MESSAGE("sharpened " << (tau > 0 ? "SDE" : "ODE") << ": final std " << std_final << " (expected " << expected << ")");
    CHECK(std_final == doctest::Approx(expected).epsilon(0.05));
  }
}

TEST_CASE("forward pose noise: sigmas follow the schedule; targets are the kernels' scores") {
  at::Generator gen = at::detail::createCPUGenerator(41);
  const ProductSpaceSchedule schedule;
  const at::Tensor t = at::tensor({0.0, 0.5, 1.0}, kF64);
  const at::Tensor torsion_graph = at::tensor({0, 0, 2}, at::TensorOptions().dtype(at::kLong));
  const PoseNoise n = sample_pose_noise(schedule, t, torsion_graph, gen);
  CHECK(n.translation_sigma[1].item<double>() == doctest::Approx(schedule.translation.sigma(0.5)));
  CHECK(n.torsion_sigma[2].item<double>() == doctest::Approx(M_PI));
  CHECK(max_abs_diff(n.translation_score, -n.update.translation / n.translation_sigma.pow(2).unsqueeze(1)) < 1e-12);
  CHECK(max_abs_diff(n.torsion_score, wrapped_normal_score(n.update.torsion, n.torsion_sigma)) < 1e-12);
  CHECK(n.update.rotation.sizes() == at::IntArrayRef({3, 3}));
  // The rotation score points against the rotation (towards the identity).
  CHECK(((n.rotation_score * n.update.rotation).sum(1) < 0).all().item<bool>());
}

TEST_CASE("pose update: ligand b of a batch moves by its own rows and its own torsions") {
  using disco::docking::Vec3;
  // A chain of six atoms: the bonds 1-2, 2-3 and 3-4 leave at least two atoms on each side, so they rotate.
  const disco::docking::TorsionSet torsions =
      disco::docking::find_torsions(6, {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}});
  const int64_t T = torsions.size();
  REQUIRE(T == 3);
  at::Generator gen = at::detail::createCPUGenerator(51);
  const at::Tensor x = at::randn({6, 3}, gen, kF64);
  std::vector<Vec3> pos;
  for (int64_t i = 0; i < 6; ++i)
    pos.push_back({x[i][0].item<double>(), x[i][1].item<double>(), x[i][2].item<double>()});
  PoseUpdate batch;  // two ligands, T torsions each, ligand after ligand
  batch.translation = at::tensor({1.0, 2.0, 3.0, -4.0, 0.5, 2.5}, kF64).view({2, 3});
  batch.rotation = at::tensor({0.3, -0.2, 0.9, -1.1, 0.4, 0.2}, kF64).view({2, 3});
  batch.torsion = at::tensor({0.7, -1.3, 0.2, 2.1, -0.4, 1.1}, kF64);
  PoseUpdate second;  // the second ligand's update alone
  second.translation = batch.translation.narrow(0, 1, 1);
  second.rotation = batch.rotation.narrow(0, 1, 1);
  second.torsion = batch.torsion.narrow(0, T, T);
  const std::vector<Vec3> a = apply_pose_update(pos, torsions, batch, 1, T);
  const std::vector<Vec3> b = apply_pose_update(pos, torsions, second, 0, 0);
  const std::vector<Vec3> first = apply_pose_update(pos, torsions, batch, 0, 0);
  double same = 0, moved = 0;
  for (size_t i = 0; i < pos.size(); ++i) {
    same = std::max({same, std::abs(a[i].x - b[i].x), std::abs(a[i].y - b[i].y), std::abs(a[i].z - b[i].z)});
    moved = std::max({moved, std::abs(a[i].x - first[i].x), std::abs(a[i].y - first[i].y),
                      std::abs(a[i].z - first[i].z)});
  }
  CHECK(same == 0.0);
  CHECK(moved > 0.1);
  CHECK_THROWS_AS(apply_pose_update(pos, torsions, batch, 1, T + 1), std::out_of_range);
}
