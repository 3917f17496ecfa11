// EDM preconditioning, sigma sampling, time steps, Gumbel-Softmax, latent dropout, code usage, guidance
// and the latent embedding's null path.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>

#include "disco/host/trainer.h"
#include "disco/edm.h"
#include "disco/host/guidance.h"
#include "disco/latent_embedding.h"
#include "disco/latents.h"
#include "disco/time_steps.h"
#include <doctest/doctest.h>

using namespace disco;

TEST_CASE("EDM preconditioning matches the formulas at sigma = sigma_data") {
  EdmPrecond p{0.5};
  auto s = at::full({1}, 0.5);
  CHECK(p.c_skip(s).item<double>() == doctest::Approx(0.5));
  CHECK(p.c_out(s).item<double>() == doctest::Approx(0.25 / std::sqrt(0.5)));
  CHECK(p.c_in(s).item<double>() == doctest::Approx(1.0 / std::sqrt(0.5)));
  CHECK(p.c_noise(s).item<double>() == doctest::Approx(std::log(0.5) / 4));
  CHECK(p.loss_weight(s).item<double>() == doctest::Approx(0.5 / 0.0625));
  // c_skip^2 + c_out^2 / sigma_d^2 ... the EDM identity: c_skip + c_out^2 / sigma_d^2 = 1.
  auto sig = at::logspace(-2, 2, 9, 10, at::kDouble);
  auto ident = p.c_skip(sig) + p.c_out(sig).pow(2) / 0.25;
  CHECK(at::allclose(ident, at::ones_like(ident)));
}

TEST_CASE("training sigma is log-normal with P_mean, P_std") {
  auto gen = at::detail::createCPUGenerator(1);
  auto s = sample_edm_sigma(200000, -1.2, 1.2, at::kCPU, gen).log();
  CHECK(s.mean().item<double>() == doctest::Approx(-1.2).epsilon(0.01));
  CHECK(s.std().item<double>() == doctest::Approx(1.2).epsilon(0.01));
}

TEST_CASE("EDM time steps: endpoints, monotone, final zero, rho") {
  auto t = edm_time_steps(18, 0.002, 80, 7);
  REQUIRE(t.size() == 19);
  CHECK(t[0] == doctest::Approx(80));
  CHECK(t[17] == doctest::Approx(0.002));
  CHECK(t[18] == 0.0);
  for (size_t i = 0; i + 1 < t.size(); ++i) CHECK(t[i] > t[i + 1]);
  // rho = 1 gives uniform spacing.
  auto u = edm_time_steps(5, 1, 5, 1);
  CHECK(u[1] == doctest::Approx(4));
  CHECK(u[2] == doctest::Approx(3));
  CHECK_THROWS(edm_time_steps(0, 0.002, 80, 7));
}

TEST_CASE("Gumbel-Softmax soft: rows sum to one, follows the logits, temperature sharpens") {
  auto gen = at::detail::createCPUGenerator(3);
  auto logits = at::tensor({2.0f, 0.0f, -2.0f}).reshape({1, 1, 3}).expand({20000, 1, 3}).contiguous();
  auto y = gumbel_softmax(logits, 1.0, false, {}, gen);
  CHECK(at::allclose(y.sum(-1), at::ones({20000, 1})));
  // argmax frequencies of Gumbel-perturbed logits are exactly softmax(logits) (Gumbel-max trick).
  auto freq = at::one_hot(y.argmax(-1), 3).to(at::kFloat).mean(0).squeeze(0);
  auto p = at::softmax(at::tensor({2.0f, 0.0f, -2.0f}), 0);
  CHECK(at::allclose(freq, p, 0, 0.01));
  auto cold = gumbel_softmax(logits, 0.05, false, {}, gen);
  CHECK(std::get<0>(cold.max(-1)).mean().item<double>() > 0.95);
}

TEST_CASE("Gumbel-Softmax hard: one-hot forward, gradient flows (straight-through)") {
  auto gen = at::detail::createCPUGenerator(4);
  auto logits = at::randn({8, 2, 5}, gen).requires_grad_(true);
  auto y = gumbel_softmax(logits, 1.0, true, {}, gen);
  CHECK(at::allclose(y.sum(-1), at::ones({8, 2})));
  CHECK(((y == 0) | (y == 1)).all().item<bool>());
  auto w = at::randn({8, 2, 5}, gen);
  auto g = torch::autograd::grad({(y * w).sum()}, {logits})[0];
  CHECK(g.abs().sum().item<double>() > 0);
}

TEST_CASE("Gumbel-Softmax and argmax respect the mask") {
  auto gen = at::detail::createCPUGenerator(5);
  auto logits = at::zeros({1000, 1, 4});
  logits.select(2, 3).fill_(10);  // the best code is masked out
  auto mask = at::ones({1000, 1, 4}, at::kBool);
  mask.select(2, 3).fill_(false);
  auto y = gumbel_softmax(logits, 1.0, false, mask, gen);
  CHECK(y.select(2, 3).abs().max().item<double>() == 0.0);
  CHECK((latent_argmax(logits, mask) != 3).all().item<bool>());
}

TEST_CASE("latent dropout has rate p") {
  auto gen = at::detail::createCPUGenerator(6);
  auto m = latent_dropout_mask(100000, 0.1, at::kCPU, gen);
  CHECK(m.to(at::kFloat).mean().item<double>() == doctest::Approx(0.1).epsilon(0.03));
  CHECK(latent_dropout_mask(1000, 0.0, at::kCPU, gen).any().item<bool>() == false);
}

TEST_CASE("code usage: collapse and uniform use") {
  auto collapsed = at::zeros({100, 1}, at::kLong);
  auto u = code_usage(collapsed, 8);
  CHECK(u.codes_in_use == 1);
  CHECK(u.perplexity == doctest::Approx(1.0));
  auto uniform = at::arange(800, at::kLong).remainder(8).reshape({800, 1});
  auto v = code_usage(uniform, 8);
  CHECK(v.codes_in_use == 8);
  CHECK(v.perplexity == doctest::Approx(8.0));
}

TEST_CASE("guidance: w = 1 is the conditional, w = 0 the unconditional, linear in between") {
  auto c = at::full({2}, 3.0), u = at::full({2}, 1.0);
  CHECK(at::allclose(apply_guidance(c, u, 1.0), c));
  CHECK(at::allclose(apply_guidance(c, u, 0.0), u));
  CHECK(apply_guidance(c, u, 2.0)[0].item<double>() == doctest::Approx(5.0));
}

TEST_CASE("latent embedding: one-hot picks a codebook row; dropped examples get the null embedding") {
  LatentEmbedding emb(2, 4, 3);
  auto idx = at::tensor({1, 3, 0, 2}, at::kLong).reshape({2, 2});
  Latents z = Latents::from_indices(idx, 4);
  z.dropped = at::tensor({0, 1}).to(at::kBool);
  auto e = emb->forward(z);
  CHECK(at::allclose(e[0][0], emb->codebook[0][1]));
  CHECK(at::allclose(e[0][1], emb->codebook[1][3]));
  CHECK(at::allclose(e[1][0], emb->null_embedding[0]));
  CHECK(at::allclose(e[1][1], emb->null_embedding[1]));
  auto all_null = emb->forward(z.all_dropped());
  CHECK(at::allclose(all_null[0], emb->null_embedding));
}

TEST_CASE("latent temperature: constant by default, geometric anneal to tau_end over stage 1") {
  disco::TrainOptions o;
  o.steps = 101;
  o.tau = 2.0;
  CHECK(disco::tau_at(o, 0) == 2.0);
  CHECK(disco::tau_at(o, 100) == 2.0);
  o.tau_end = 0.5;
  CHECK(disco::tau_at(o, 0) == doctest::Approx(2.0));
  CHECK(disco::tau_at(o, 50) == doctest::Approx(1.0));  // geometric mean of 2 and 0.5
  CHECK(disco::tau_at(o, 100) == doctest::Approx(0.5));
  CHECK(disco::tau_at(o, 500) == doctest::Approx(0.5));  // clamped past the end
}

TEST_CASE("stage-1 learning-rate cool-down: constant by default, linear to 0 over the last steps") {
  disco::TrainOptions o;
  o.steps = 100;
  CHECK(disco::lr_scale_at(o, 0) == 1.0);
  CHECK(disco::lr_scale_at(o, 99) == 1.0);
  o.lr_cooldown_steps = 20;
  CHECK(disco::lr_scale_at(o, 0) == 1.0);
  CHECK(disco::lr_scale_at(o, 79) == 1.0);
  CHECK(disco::lr_scale_at(o, 80) == 1.0);               // 20 steps left: the fall starts after it
  CHECK(disco::lr_scale_at(o, 90) == doctest::Approx(0.5));
  CHECK(disco::lr_scale_at(o, 99) == doctest::Approx(0.05));
  CHECK(disco::lr_scale_at(o, 150) == 0.0);              // past the end (never stepped)
  o.steps = 200;                                          // extended: the fall moves to the new end
  CHECK(disco::lr_scale_at(o, 99) == 1.0);
  CHECK(disco::lr_scale_at(o, 190) == doctest::Approx(0.5));
  o.lr_cooldown_steps = 500;                              // longer than the run: falls from the first step
  CHECK(disco::lr_scale_at(o, 0) == doctest::Approx(0.4));
}

TEST_CASE("cosine learning-rate decay: base at step 0, half at the middle, 0 at the end") {
  CHECK(disco::cosine_decay(2e-3, 0, 100) == doctest::Approx(2e-3));
  CHECK(disco::cosine_decay(2e-3, 50, 100) == doctest::Approx(1e-3));
  CHECK(disco::cosine_decay(2e-3, 100, 100) == doctest::Approx(0.0));
}
