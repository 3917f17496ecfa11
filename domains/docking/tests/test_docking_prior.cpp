// The AR prior on the denoiser's own layers (model.prior_backbone = "denoiser", paper App. E): copied from the
// trained denoiser at the first stage-2 step, frozen for prior_freeze_steps steps while only the latent heads
// learn, then tuned; "own" leaves the prior's separate network alone.
#include <ATen/ATen.h>
#include <torch/autograd.h>

#include "docking_dataset.h"
#include "docking_example.h"
#include "docking_networks.h"
#include <doctest/doctest.h>  // last: LibTorch brings glog, whose CHECK it must override

using namespace disco;
using namespace disco::docking;

namespace {

DockingSettings small_settings(const std::string& backbone) {
  DockingSettings s;
  s.m = 2;
  s.k = 24;
  s.synthetic_count = 2;
  equivariant::ScoreModelOptions net;
  net.node_feature_dim = node_feature_dim();
  net.hidden_irreps = "4x0e + 4x0o + 1x1o + 1x1e";
  net.num_layers = 2;
  net.mlp_hidden = 8;
  net.num_latents = s.m;
  s.denoiser = net;
  s.prior = net;
  if (backbone == "own") s.prior.num_layers = 1;
  s.prior_backbone = backbone;
  s.prior_freeze_steps = 3;
  return s;
}

bool is_head(const std::string& name) { return name.rfind("net.latent_head.", 0) == 0; }

}  // namespace

TEST_CASE("docking prior on the denoiser's layers: copied at step 0, frozen, then tuned") {
  const DockingSettings s = small_settings("denoiser");
  DockingDenoiser denoiser(s);
  DockingPrior prior(s);
  std::map<std::string, at::Tensor> heads_before;
  int64_t differs_before = 0;
  const auto source = denoiser.named_parameters(true);
  for (const auto& p : prior.named_parameters(true)) {
    if (is_head(p.key())) heads_before[p.key()] = p.value().detach().clone();
    else differs_before += !at::equal(p.value(), *source.find(p.key()));
  }
  CHECK(differs_before > 0);  // independent random initialisations
  CHECK(heads_before.size() >= 2);

  prior.before_training_step(0, denoiser);
  for (const auto& p : prior.named_parameters(true)) {
    if (is_head(p.key())) {
      CHECK(at::equal(p.value(), heads_before.at(p.key())));  // the heads are the prior's own
      CHECK(p.value().requires_grad());
    } else {
      CHECK(at::equal(p.value(), *source.find(p.key())));
      CHECK_FALSE(p.value().requires_grad());
    }
  }

  // While frozen, the prior's NLL reaches only the heads.
  auto data = load_docking_dataset(s, "train", Reporter{});
  const Batch cond = data->get(at::arange(2));
  const at::Tensor z = at::zeros({2, s.m}, at::kLong);
  prior.nll(cond, z).mean().backward();
  for (const auto& p : prior.named_parameters(true))
    if (is_head(p.key())) CHECK(p.value().grad().defined());
    else CHECK_FALSE(p.value().grad().defined());

  // From prior_freeze_steps on the copied layers train too; later steps do not copy again.
  prior.before_training_step(3, denoiser);
  for (const auto& p : prior.named_parameters(true)) CHECK(p.value().requires_grad());
  {
    at::NoGradGuard no_grad;
    for (auto& p : denoiser.parameters()) p.add_(1.0);
  }
  prior.before_training_step(4, denoiser);
  const auto moved = denoiser.named_parameters(true);
  for (const auto& p : prior.named_parameters(true))
    if (!is_head(p.key())) CHECK_FALSE(at::equal(p.value(), *moved.find(p.key())));
}

TEST_CASE("docking prior with its own network ignores the denoiser") {
  const DockingSettings s = small_settings("own");
  DockingDenoiser denoiser(s);
  DockingPrior prior(s);
  std::vector<at::Tensor> before;
  for (const auto& p : prior.parameters()) before.push_back(p.detach().clone());
  prior.before_training_step(0, denoiser);
  const auto after = prior.parameters();
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    CHECK(at::equal(after[i], before[i]));
    CHECK(after[i].requires_grad());
  }
}
