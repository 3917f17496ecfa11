// The AR Transformer prior learns a known joint distribution over m = 2 latents, conditional on a class.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include "disco/host/ar_prior.h"
#include "disco/error.h"
#include <doctest/doctest.h>

using namespace disco;

TEST_CASE("AR prior learns z1 ~ p(.|c), z2 = (z1 + c) mod k; temperature 0 and top-k behave") {
  torch::manual_seed(0);
  const int64_t k = 4;
  ArPrior prior(ArPriorOptions(2, k).layers(2).heads(2).width(32).num_classes(2));
  torch::optim::Adam opt(prior->parameters(), torch::optim::AdamOptions(3e-3));
  auto gen = at::detail::createCPUGenerator(1);
  auto p_z1 = at::tensor({0.7f, 0.1f, 0.1f, 0.1f});
  auto draw = [&](int64_t n, at::Tensor& label) {
    label = at::randint(0, 2, {n}, gen, at::TensorOptions().dtype(at::kLong));
    auto z1 = at::multinomial(p_z1, n, true, gen);
    auto z2 = (z1 + label).remainder(k);
    return at::stack({z1, z2}, 1);
  };
  double first = 0, last = 0;
  for (int step = 0; step < 400; ++step) {
    at::Tensor label;
    auto z = draw(256, label);
    Batch cond;
    cond.size = 256;
    cond.tensors["label"] = label;
    auto loss = prior->nll(cond, z).mean();
    opt.zero_grad();
    loss.backward();
    opt.step();
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  // Entropy of z1 = -(0.7 ln 0.7 + 3 * 0.1 ln 0.1) ≈ 0.94 nats; z2 is deterministic given z1 and c.
  CHECK(first > 2.0);
  CHECK(last < 1.05);
  prior->eval();
  Batch cond;
  cond.size = 4000;
  cond.tensors["label"] = at::ones({4000}, at::kLong);
  torch::NoGradGuard no_grad;
  auto z = prior->sample(cond, 4000, 1.0, 0, gen);
  CHECK((z.select(1, 1) == (z.select(1, 0) + 1).remainder(k)).to(at::kFloat).mean().item<double>() > 0.97);
  CHECK((z.select(1, 0) == 0).to(at::kFloat).mean().item<double>() == doctest::Approx(0.7).epsilon(0.08));
  auto greedy = prior->sample(cond, 4000, 0.0, 0, gen);
  CHECK((greedy.select(1, 0) == 0).all().item<bool>());
  auto top1 = prior->sample(cond, 4000, 1.0, 1, gen);
  CHECK((top1.select(1, 0) == 0).all().item<bool>());
  // Conditions for a different number of samples are refused with a clear error.
  CHECK_THROWS_WITH_AS(prior->sample(cond, 10, 1.0, 0, gen), doctest::Contains("label"), disco::DataError);
}
