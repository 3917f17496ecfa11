// Domain conformance: ONE test body run against every domain that the plugins in the build's plugin directory
// register (STYLE.md habit 9; OpenMM runs one test body against every platform). A new plugin gets these
// checks by being built into that directory; nothing here names a domain.
//
// What a domain must satisfy (docs/plugins.md, "Run the conformance suite"):
//   - its schema merges with core.toml, and every default passes its own type, range and choices;
//   - the dataset's batches hold the diffusion's state key with shape [B, state_shape...];
//   - the encoder gives logits [B, m, k] (and, when present, a bool mask of the same shape with at least one
//     valid code per latent);
//   - the denoiser's output has the state's shape: without latents (m = 0), with one-hot, soft and
//     all-dropped latents;
//   - the null-latent path: dropped latents change the output, and once dropped the codes no longer matter;
//   - a checkpoint round trip (save_checkpoint -> load_checkpoint into a freshly built model) reproduces the
//     outputs bit for bit;
//   - Model::build with the same config (and so the same `seed`) is deterministic, and so is make_dataset.
// Sizes: B = 4 examples, m = 2 latents of k = 3 codes, a 1-layer prior; the domain's own keys keep their
// defaults, so a domain should default to networks that run a batch of 4 in well under a second.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/utils.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "disco/host/checkpoint.h"
#include "disco/config.h"
#include "disco/latents.h"
#include "disco/model.h"
#include "disco/host/plugin_loader.h"
#include "disco/registry.h"
#include <doctest/doctest.h>

using namespace disco;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kBatch = 4, kM = 2, kK = 3;

// The directories searched: $DISCO_CONFORMANCE_PLUGIN_PATH (':'-separated; how an out-of-tree plugin runs
// this suite against a disco build tree), then the build's own plugin directory.
std::vector<std::string> plugin_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("DISCO_CONFORMANCE_PLUGIN_PATH")) {
    std::string text = env;
    for (size_t start = 0, end; start <= text.size(); start = end + 1) {
      end = std::min(text.find(':', start), text.size());
      if (end > start) dirs.push_back(text.substr(start, end - start));
    }
  }
  dirs.push_back(DISCO_TEST_PLUGIN_DIR);
  return dirs;
}

// The loader must outlive everything its plugins made: members are destroyed in reverse order, so the
// registry (holding the domains) goes first, then the libraries.
struct Plugins {
  PluginLoader loader;
  Registry registry;
  Plugins() {
    register_core_components(registry);
    loader.load_directories(plugin_dirs(), registry);
  }
};
Plugins& plugins() {
  static Plugins p;
  return p;
}

Schema schema_of(const Domain& domain) {
  Schema schema = core_schema();
  schema.merge(Schema::parse(domain.schema(), "schema of plugin '" + domain.name() + "'"));
  return schema;
}

Config config_for(const std::string& domain, const Schema& schema, int64_t m) {
  Config c = Config::parse_string("domain = \"" + domain + "\"\n", "<conformance>");
  for (const char* o : {"prior.layers=1", "prior.heads=2", "prior.width=16", "latent.k=3"}) c.apply_override(o);
  c.apply_override("latent.m=" + std::to_string(m));
  c.validate(schema);
  return c;
}

std::vector<int64_t> batch_shape(const Domain& domain, const Config& c) {
  std::vector<int64_t> shape{kBatch};
  for (int64_t d : domain.state_shape(c)) shape.push_back(d);
  return shape;
}

std::vector<int64_t> sizes(const at::Tensor& t) { return t.sizes().vec(); }

bool same(const at::Tensor& a, const at::Tensor& b) { return a.sizes() == b.sizes() && at::equal(a, b); }

// The inputs every check feeds the denoiser: the first kBatch examples, perturbed at noise levels that span
// the sampler's range, with a fixed generator.
struct Inputs {
  Batch clean, noisy;
  at::Tensor sigma;
};
Inputs inputs_for(const Domain& domain, const Config& c, const Diffusion& diffusion) {
  Inputs in;
  auto dataset = domain.make_dataset(c, "train");
  REQUIRE(dataset->size() >= kBatch);
  in.clean = dataset->get(at::arange(kBatch, at::TensorOptions().dtype(at::kLong)));
  in.clean.size = kBatch;
  in.sigma = at::exp(at::linspace(-2.0, 2.0, kBatch));  // 0.14 .. 7.4
  auto gen = at::detail::createCPUGenerator(123);
  in.noisy = diffusion.perturb(in.clean, in.sigma, gen);
  return in;
}

// Model::build seeds LibTorch from the config's `seed`, so another seed is another config.
Model build(const Domain& domain, Config c, uint64_t seed) {
  c.apply_override("seed=" + std::to_string(seed));
  Model model = Model::build(domain, c);
  model.denoiser->eval();  // no dropout: the checks compare outputs bit for bit
  if (model.encoder) model.encoder->eval();
  if (model.prior) model.prior->eval();
  return model;
}

void check_domain(const std::string& name) {
  auto domain = plugins().registry.domain(name);
  CHECK(domain->name() == name);
  CHECK_FALSE(domain->description().empty());
  torch::NoGradGuard no_grad;

  // ---- the schema's defaults validate ----
  const Schema schema = schema_of(*domain);
  {
    Config c = Config::parse_string("domain = \"" + name + "\"\n", "<conformance>");
    for (const auto& spec : schema.keys())
      if (spec.key != "domain") c.apply_override(spec.key + "=" + value_to_toml(spec.default_value));
    CHECK_NOTHROW(c.validate(schema));  // every default within its own type, range and choices
  }

  // ---- m = 0: the plain diffusion baseline ----
  {
    const Config c = config_for(name, schema, 0);
    Model model = build(*domain, c, 1);
    CHECK_FALSE(model.encoder);
    CHECK_FALSE(model.prior);
    const Inputs in = inputs_for(*domain, c, *model.diffusion);
    const std::string& key = model.diffusion->state_key();
    REQUIRE(in.clean.has(key));
    CHECK(sizes(in.clean.at(key)) == batch_shape(*domain, c));
    auto out = model.denoiser->denoise(in.noisy, in.sigma, Latents{});
    CHECK(sizes(out) == sizes(in.noisy.at(key)));
    CHECK(at::isfinite(out).all().item<bool>());
    auto loss = model.diffusion->training_loss(in.clean, in.noisy, out, in.sigma);
    CHECK(sizes(loss) == std::vector<int64_t>{kBatch});
    CHECK(at::isfinite(loss).all().item<bool>());
  }

  // ---- m > 0 ----
  const Config c = config_for(name, schema, kM);
  Model model = build(*domain, c, 1);
  REQUIRE(model.encoder);
  REQUIRE(model.prior);
  const Inputs in = inputs_for(*domain, c, *model.diffusion);
  const std::string& key = model.diffusion->state_key();
  const auto state = sizes(in.noisy.at(key));

  // Encoder: logits [B, m, k]; a mask, when present, is bool of the same shape and leaves a code per latent.
  const EncoderOutput enc = model.encoder->encode(in.clean);
  REQUIRE(enc.logits.defined());
  CHECK(sizes(enc.logits) == std::vector<int64_t>{kBatch, kM, kK});
  CHECK(at::isFloatingType(enc.logits.scalar_type()));
  CHECK(at::isfinite(enc.logits).all().item<bool>());
  if (enc.mask.defined()) {
    const bool mask_is_bool = enc.mask.scalar_type() == at::kBool;
    CHECK(mask_is_bool);
    CHECK(sizes(enc.mask) == sizes(enc.logits));
    CHECK(enc.mask.any(-1).all().item<bool>());
  }

  // Denoiser: the state's shape with one-hot, soft and all-dropped latents.
  const Latents z1 = Latents::from_indices(latent_argmax(enc.logits, enc.mask), kK);
  auto gen = at::detail::createCPUGenerator(321);
  const Latents z2 = Latents::from_indices(latent_argmax(at::randn(enc.logits.sizes(), gen), enc.mask), kK);
  Latents soft;
  soft.codes = gumbel_softmax(enc.logits, 1.0, false, enc.mask, gen);
  soft.dropped = at::zeros({kBatch}, at::kBool);
  auto out_z1 = model.denoiser->denoise(in.noisy, in.sigma, z1);
  auto out_soft = model.denoiser->denoise(in.noisy, in.sigma, soft);
  auto out_null1 = model.denoiser->denoise(in.noisy, in.sigma, z1.all_dropped());
  auto out_null2 = model.denoiser->denoise(in.noisy, in.sigma, z2.all_dropped());
  CHECK(sizes(out_z1) == state);
  CHECK(sizes(out_soft) == state);
  CHECK(sizes(out_null1) == state);
  CHECK(at::isfinite(out_z1).all().item<bool>());
  CHECK(at::isfinite(out_null1).all().item<bool>());

  // Null-latent path (classifier-free guidance over latents, paper Sec. 3.1 / Alg. 3).
  CHECK_MESSAGE(!at::equal(out_z1, out_null1), "dropping the latents must change the output (else the null "
                                               "embedding is not used, or the latents are ignored)");
  CHECK_MESSAGE(at::equal(out_null1, out_null2), "with every example dropped, the codes must not matter");

  // Checkpoint round trip into a freshly built model (another seed, so different weights until loaded).
  {
    const fs::path dir = fs::temp_directory_path() / ("disco_conformance_" + name + "_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string path = (dir / "ckpt.pt").string();
    save_checkpoint(path, name, TrainState{2, 5}, model, nullptr, nullptr, at::detail::createCPUGenerator(9));
    Model fresh = build(*domain, c, 2);
    CHECK_MESSAGE(!at::equal(fresh.denoiser->denoise(in.noisy, in.sigma, z1), out_z1),
                  "two seeds built the same weights: the round trip below would prove nothing");
    const CheckpointContents got = load_checkpoint(path, name, fresh, nullptr, nullptr, nullptr);
    fs::remove_all(dir);
    CHECK(got.domain == name);
    CHECK(got.state.stage == 2);
    CHECK(got.state.step == 5);
    fresh.denoiser->eval();
    fresh.encoder->eval();
    fresh.prior->eval();
    CHECK(same(fresh.denoiser->denoise(in.noisy, in.sigma, z1), out_z1));
    CHECK(same(fresh.denoiser->denoise(in.noisy, in.sigma, z1.all_dropped()), out_null1));
    CHECK(same(fresh.ema->denoise(in.noisy, in.sigma, z1), model.ema->denoise(in.noisy, in.sigma, z1)));
    CHECK(same(fresh.encoder->encode(in.clean).logits, enc.logits));
    const auto codes = latent_argmax(enc.logits, enc.mask);
    CHECK(same(fresh.prior->nll(in.clean, codes), model.prior->nll(in.clean, codes)));  // conditions, if any, ride in the batch
  }

  // Seeded determinism: the same seed builds the same model, and the dataset is a function of the config.
  {
    Model again = build(*domain, c, 1);
    CHECK(same(again.denoiser->denoise(in.noisy, in.sigma, z1), out_z1));
    CHECK(same(again.encoder->encode(in.clean).logits, enc.logits));
    const Inputs in2 = inputs_for(*domain, c, *again.diffusion);
    CHECK(same(in2.clean.at(key), in.clean.at(key)));
    CHECK(same(in2.noisy.at(key), in.noisy.at(key)));
  }
}

}  // namespace

TEST_CASE("every domain in the plugin directory passes the domain conformance checks") {
  const auto names = plugins().registry.domain_names();
  std::string dirs;
  for (const auto& d : plugin_dirs()) dirs += (dirs.empty() ? "" : ":") + d;
  MESSAGE("plugin directories " << dirs << ": " << names.size() << " domain(s)");
  for (const auto& r : plugins().loader.records()) {
    // A plugin name found twice (DISCO_CONFORMANCE_PLUGIN_PATH first) loads once; the second copy is skipped.
    if (!r.loaded && r.error.find("already loaded") != std::string::npos) continue;
    CAPTURE(r.path);
    CHECK_MESSAGE(r.loaded, "plugin failed to load: " << r.error);
  }
  REQUIRE_FALSE(names.empty());
  for (const auto& name : names) {
    INFO("domain: " << name);
    MESSAGE("checking domain " << name);
    check_domain(name);
  }
}
