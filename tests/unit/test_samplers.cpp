// Sampler conformance: one test body for every registered sampler. On a 2-D Gaussian mixture the exact
// denoiser D(x; sigma) = E[x0 | x_sigma = x] is known in closed form, so a correct sampler must reproduce
// the target's mean, covariance and mode weights to within sampling error.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/utils.h>

#include <cmath>

#include "disco/config.h"
#include "disco/diffusion.h"
#include "disco/error.h"
#include "disco/registry.h"
#include "disco/sampler.h"
#include <doctest/doctest.h>

using namespace disco;

namespace {

// Mixture of isotropic Gaussians N(mu_j, s^2 I) with weights w_j. Exact posterior mean under x_sigma = x0 + sigma eps:
// responsibilities r_j ∝ w_j N(x; mu_j, (s^2 + sigma^2) I), and E[x0 | x, j] = mu_j + s^2/(s^2+sigma^2) (x - mu_j).
struct Mixture {
  at::Tensor mu;  // [J, 2]
  at::Tensor w;   // [J]
  double s;

  at::Tensor denoise(const at::Tensor& x, double sigma) const {
    const double v = s * s + sigma * sigma;
    auto diff = x.unsqueeze(1) - mu.unsqueeze(0);             // [n, J, 2]
    auto logr = w.log().unsqueeze(0) - diff.pow(2).sum(-1) / (2 * v);
    auto r = at::softmax(logr, 1).unsqueeze(-1);               // [n, J, 1]
    auto post = mu.unsqueeze(0) + (s * s / v) * diff;
    return (r * post).sum(1);
  }
  at::Tensor mean() const { return (w.unsqueeze(1) * mu).sum(0); }
  at::Tensor cov() const {
    auto m = mean();
    auto d = mu - m;
    return (w.reshape({-1, 1, 1}) * d.unsqueeze(2) * d.unsqueeze(1)).sum(0) + s * s * at::eye(2, at::kDouble);
  }
};

EdmDiffusion edm() { return EdmDiffusion(EdmDiffusionOptions{}); }

// Stochastic samplers get their stochasticity switched on; restart gets one interval.
const char* kSamplerConfig = "sample.s_churn = 10.0\nsample.restart = [4.0, 2.0, 0.3, 2.0]\n";

at::Tensor run(const std::string& name, const Mixture& mix, int64_t steps, int64_t n, uint64_t seed,
               const std::string& config_text = kSamplerConfig) {
  Registry registry;
  register_core_components(registry);
  Config config = Config::parse_string(config_text, "<test>");
  auto sampler = registry.make_sampler(name, config);
  auto diffusion = edm();
  auto gen = at::detail::createCPUGenerator(seed);
  SamplerOptions o;
  o.steps = steps;
  auto x0 = diffusion.sample_prior(n, {2}, o.sigma_max, at::kCPU, gen).to(at::kDouble);
  return sampler->sample(diffusion, [&](const at::Tensor& x, double sigma) { return mix.denoise(x, sigma); }, x0, o,
                         nullptr, Reporter{}, gen);
}

Mixture two_modes() {
  return {at::tensor({-2.0, 0.0, 2.0, 1.0}, at::kDouble).reshape({2, 2}), at::tensor({0.3, 0.7}, at::kDouble), 0.5};
}

}  // namespace

TEST_CASE("every registered sampler reproduces a Gaussian mixture's mean, covariance and mode weights") {
  Registry registry;
  register_core_components(registry);
  const Mixture mix = two_modes();
  const int64_t n = 20000;
  for (const auto& name : registry.sampler_names()) {
    CAPTURE(name);
    // First-order Euler and ancestral DDPM need more steps for the same accuracy.
    const int64_t steps = (name == "euler" || name == "ddpm") ? 400 : 50;
    auto x = run(name, mix, steps, n, 7);
    // Standard errors at n = 20000: mean ~ sqrt(var/n) ≈ 0.015 for var ≈ 4; we allow ~4 SE.
    auto mean_err = (x.mean(0) - mix.mean()).abs().max().item<double>();
    CHECK(mean_err < 0.06);
    auto xc = x - x.mean(0);
    auto cov = at::matmul(xc.t(), xc) / double(n - 1);
    CHECK((cov - mix.cov()).abs().max().item<double>() < 0.12);
    auto right = (x.select(1, 0) > 0).to(at::kDouble).mean().item<double>();  // mode 2 sits at x = +2
    CHECK(right == doctest::Approx(0.7).epsilon(0.03));
  }
}

TEST_CASE("Heun is second order: doubling the step count divides the error by ~4") {
  // A single Gaussian target, whose denoiser is exact.
  Mixture g{at::tensor({1.0, -1.0}, at::kDouble).reshape({1, 2}), at::ones({1}, at::kDouble), 0.5};
  auto diffusion = edm();
  auto gen = at::detail::createCPUGenerator(11);
  auto xT = diffusion.sample_prior(256, {2}, 80.0, at::kCPU, gen).to(at::kDouble);
  // The reference is a very fine Heun solution (the schedule ends with a step from sigma_min to 0).
  Registry registry;
  register_core_components(registry);
  Config config = Config::parse_string("", "<test>");
  auto heun = registry.make_sampler("heun", config);
  auto solve = [&](int64_t steps) {
    SamplerOptions o;
    o.steps = steps;
    return heun->sample(diffusion, [&](const at::Tensor& x, double s) { return g.denoise(x, s); }, xT.clone(), o,
                        nullptr, Reporter{}, c10::nullopt);
  };
  const at::Tensor exact = solve(2000);
  const double e8 = (solve(8) - exact).abs().max().item<double>();
  const double e16 = (solve(16) - exact).abs().max().item<double>();
  const double e32 = (solve(32) - exact).abs().max().item<double>();
  CAPTURE(e8);
  CAPTURE(e16);
  CAPTURE(e32);
  CHECK(e16 < e8);
  CHECK(e32 < e16);
  CHECK(e16 / e32 > 3.0);  // second order: ~4
}

TEST_CASE("restart at equal NFE is no worse than Heun") {
  // Few steps, so that discretisation error dominates: Heun with 10 steps costs 19 NFE; restart with 6 main steps
  // (11 NFE) and one interval of 2 Heun steps repeated twice (8 NFE) costs the same 19.
  const Mixture mix = two_modes();
  const int64_t n = 40000;
  auto error = [&](const at::Tensor& x) {
    auto xc = x - x.mean(0);
    auto cov = at::matmul(xc.t(), xc) / double(n - 1);
    const double right = (x.select(1, 0) > 0).to(at::kDouble).mean().item<double>();
    return (x.mean(0) - mix.mean()).abs().sum().item<double>() + (cov - mix.cov()).abs().sum().item<double>() +
           std::abs(right - 0.7);
  };
  double heun = 0, restart = 0;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    heun += error(run("heun", mix, 10, n, seed));
    restart += error(run("restart", mix, 6, n, seed, "sample.restart = [2.0, 2.0, 0.5, 3.0]\n"));
  }
  CAPTURE(heun);
  CAPTURE(restart);
  CHECK(restart <= heun * 1.05);
}

TEST_CASE("bad restart intervals and negative churn are config errors naming the key") {
  Registry registry;
  register_core_components(registry);
  auto bad = Config::parse_string("[sample]\nrestart = [4.0, 2.0, 0.3, 200.0]\n", "exp.toml");
  CHECK_THROWS_WITH_AS(registry.make_sampler("restart", bad), doctest::Contains("exp.toml:2:11: sample.restart interval 1"),
                       ConfigError);
  auto ragged = Config::parse_string("[sample]\nrestart = [4.0, 2.0, 0.3]\n", "exp.toml");
  CHECK_THROWS_AS(registry.make_sampler("restart", ragged), ConfigError);
  auto churn = Config::parse_string("[sample]\ns_churn = -1.0\n", "exp.toml");
  CHECK_THROWS_WITH_AS(registry.make_sampler("edm-stochastic", churn), doctest::Contains("exp.toml:2:11"), ConfigError);
}
