// generate() (disco/generate.h) with fixed conditions: the samples take GenerateOptions::fixed_cond row by row,
// across sampler batches, instead of Domain::sample_conditions; a size other than n is an error. A probe domain
// whose denoiser predicts each example's label makes the condition visible in the sample.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "disco/config.h"
#include "disco/domain.h"
#include "disco/error.h"
#include "disco/generate.h"
#include "disco/model.h"
#include "disco/registry.h"
#include <doctest/doctest.h>

using namespace disco;

namespace {

// D(x_sigma) = the example's label in every coordinate: the ODE ends (near) there.
class LabelDenoiser : public Denoiser {
 public:
  at::Tensor denoise(const Batch& noisy, const at::Tensor&, const Latents&) override {
    return noisy.at("label").to(at::kFloat).unsqueeze(1).expand_as(noisy.at("x"));
  }
};

class LabelDomain : public Domain {
 public:
  std::string name() const override { return "labels"; }
  std::string description() const override { return "samples equal to their label"; }
  std::string schema() const override { return ""; }
  std::unique_ptr<Dataset> make_dataset(const Config&, const std::string&) const override { return nullptr; }
  std::shared_ptr<Encoder> make_encoder(const Config&) const override { return nullptr; }
  std::shared_ptr<Denoiser> make_denoiser(const Config&) const override { return std::make_shared<LabelDenoiser>(); }
  std::vector<int64_t> state_shape(const Config&) const override { return {2}; }
  // Classes in turn, as the image domain does: what fixed_cond replaces.
  Batch sample_conditions(const Config&, int64_t n, c10::optional<at::Generator>) const override {
    Batch b;
    b.size = n;
    b.tensors["label"] = at::arange(n, at::kLong).remainder(3);
    return b;
  }
  std::vector<std::string> write_samples(const Config&, const SampleSet&, const std::string&) const override { return {}; }
  Metrics evaluate(EvalContext&) const override { return {}; }
};

}  // namespace

TEST_CASE("generate: fixed_cond gives each sample its own condition, across sampler batches") {
  LabelDomain domain;
  Config config = Config::parse_string("domain = \"labels\"\n", "<generate test>");
  config.apply_override("latent.m=0");
  config.validate(core_schema());
  Model model = Model::build(domain, config);
  Registry registry;
  register_core_components(registry);
  GenerateOptions o = generate_options_from_config(config);
  o.sampler = "heun";
  o.sampler_options.steps = 8;
  o.n = 5;
  o.batch_size = 2;  // three sampler calls: rows 0-1, 2-3, 4
  const std::vector<int64_t> labels{7, -2, 4, 0, 11};
  o.fixed_cond.size = o.n;
  o.fixed_cond.tensors["label"] = at::tensor(labels, at::kLong);
  SampleSet s = generate(model, domain, registry, config, o, Reporter{});
  REQUIRE(s.x.sizes() == at::IntArrayRef({5, 2}));
  CHECK(at::equal(s.cond.at("label"), at::tensor(labels, at::kLong)));
  auto want = at::tensor(labels, at::kFloat).unsqueeze(1).expand({5, 2});
  CHECK(s.x.sub(want).abs().max().item<double>() < 0.05);  // the ODE ends within sigma_min of D

  // Without it, the domain's conditions are used, asked for once for all n samples and cut into the batches:
  // classes in turn run on across batches (0, 1), (2, 0), (1) instead of restarting in each.
  o.fixed_cond = Batch{};
  SampleSet d = generate(model, domain, registry, config, o, Reporter{});
  CHECK(at::equal(d.cond.at("label"), at::tensor(std::vector<int64_t>{0, 1, 2, 0, 1}, at::kLong)));

  o.fixed_cond.size = 4;
  o.fixed_cond.tensors["label"] = at::zeros({4}, at::kLong);
  CHECK_THROWS_AS(generate(model, domain, registry, config, o, Reporter{}), UsageError);
}
