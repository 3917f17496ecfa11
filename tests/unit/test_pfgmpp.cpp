// PFGM++ kernel: radius distribution, and D -> infinity recovers EDM's Gaussian kernel.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "disco/host/pfgmpp.h"
#include <doctest/doctest.h>

using namespace disco;

namespace {
// Mean and variance of |x_sigma - y|^2 / sigma^2 over many draws in N = 3 dimensions.
std::pair<double, double> radius_moments(const Diffusion& diffusion, double sigma) {
  auto gen = at::detail::createCPUGenerator(3);
  Batch clean;
  clean.size = 200000;
  clean.tensors["x"] = at::zeros({200000, 3}, at::kDouble);
  auto noisy = diffusion.perturb(clean, at::full({200000}, sigma, at::kDouble), gen).at("x");
  auto r2 = noisy.pow(2).sum(1) / (sigma * sigma);
  return {r2.mean().item<double>(), r2.var().item<double>()};
}
}  // namespace

TEST_CASE("PFGM++ with very large D matches EDM's Gaussian kernel") {
  // EDM: |eps|^2 ~ chi^2_3: mean 3, variance 6.
  EdmDiffusion edm({});
  auto [m_edm, v_edm] = radius_moments(edm, 2.0);
  CHECK(m_edm == doctest::Approx(3.0).epsilon(0.02));
  CHECK(v_edm == doctest::Approx(6.0).epsilon(0.05));
  PfgmppDiffusion big({}, 1e7);
  auto [m_big, v_big] = radius_moments(big, 2.0);
  CHECK(m_big == doctest::Approx(3.0).epsilon(0.02));
  CHECK(v_big == doctest::Approx(6.0).epsilon(0.05));
}

TEST_CASE("PFGM++ with small D has heavier tails, with the beta-prime mean N D / (D - 2)") {
  // R^2 / sigma^2 = D b / (1 - b), b ~ Beta(N/2, D/2): mean D (N/2) / (D/2 - 1) = N D / (D - 2).
  PfgmppDiffusion small({}, 8.0);
  auto [m, v] = radius_moments(small, 1.0);
  CHECK(m == doctest::Approx(3.0 * 8.0 / 6.0).epsilon(0.03));
  CHECK(v > 6.0 * 1.5);
}
