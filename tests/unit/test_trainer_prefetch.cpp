// The trainer's prefetch hint (Dataset::prefetch): under distributed.sampler = "epoch" every stage-1 step after
// get(step) announces exactly the indices of step + 1; under the random sampler it announces nothing (the random
// stream must not change). A probe domain with a one-weight denoiser keeps it to a fraction of a second.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <unistd.h>
#include <vector>

#include "disco/config.h"
#include "disco/domain.h"
#include "disco/model.h"
#include "disco/host/trainer.h"
#include "distributed/sampler.h"
#include <doctest/doctest.h>

using namespace disco;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kExamples = 10, kBatch = 4, kSteps = 6;

// Records every get() and prefetch() in call order.
struct CallLog {
  std::mutex mutex;
  std::vector<std::pair<std::string, at::Tensor>> calls;
  void add(const std::string& what, const at::Tensor& indices) {
    std::lock_guard<std::mutex> lock(mutex);
    calls.emplace_back(what, indices.clone());
  }
};

class ProbeDataset : public Dataset {
 public:
  explicit ProbeDataset(std::shared_ptr<CallLog> log) : log_(std::move(log)) {}
  int64_t size() const override { return kExamples; }
  Batch get(const at::Tensor& indices) const override {
    log_->add("get", indices);
    Batch b;
    b.size = indices.size(0);
    b.tensors["x"] = indices.to(at::kFloat).unsqueeze(1).repeat({1, 2}).div(kExamples);
    return b;
  }
  void prefetch(const at::Tensor& indices) const override { log_->add("prefetch", indices); }

 private:
  std::shared_ptr<CallLog> log_;
};

class ScaleDenoiser : public Denoiser {
 public:
  ScaleDenoiser() { w_ = register_parameter("w", at::ones({1})); }
  at::Tensor denoise(const Batch& noisy, const at::Tensor&, const Latents&) override { return noisy.at("x") * w_; }

 private:
  at::Tensor w_;
};

class ProbeDomain : public Domain {
 public:
  explicit ProbeDomain(std::shared_ptr<CallLog> log) : log_(std::move(log)) {}
  std::string name() const override { return "probe"; }
  std::string description() const override { return "records the trainer's dataset calls"; }
  std::string schema() const override { return ""; }
  std::unique_ptr<Dataset> make_dataset(const Config&, const std::string&) const override {
    return std::make_unique<ProbeDataset>(log_);
  }
  std::shared_ptr<Encoder> make_encoder(const Config&) const override { return nullptr; }
  std::shared_ptr<Denoiser> make_denoiser(const Config&) const override { return std::make_shared<ScaleDenoiser>(); }
  std::vector<int64_t> state_shape(const Config&) const override { return {2}; }
  std::vector<std::string> write_samples(const Config&, const SampleSet&, const std::string&) const override { return {}; }
  Metrics evaluate(EvalContext&) const override { return {}; }

 private:
  std::shared_ptr<CallLog> log_;
};

std::vector<std::pair<std::string, at::Tensor>> train_and_log(const std::string& sampler) {
  auto log = std::make_shared<CallLog>();
  ProbeDomain domain(log);
  Config config = Config::parse_string("domain = \"probe\"\n", "<prefetch test>");
  for (const std::string& o : std::vector<std::string>{"latent.m=0", "train.steps=" + std::to_string(kSteps), "train.batch_size=" + std::to_string(kBatch),
                              "train.log_every=100", "train.checkpoint_every=1000", "distributed.sampler=" + sampler})
    config.apply_override(o);
  config.validate(core_schema());
  const auto run_dir = fs::temp_directory_path() / ("disco_test_prefetch_" + std::to_string(::getpid()) + "_" + sampler);
  fs::remove_all(run_dir);
  fs::create_directories(run_dir);
  Model model = Model::build(domain, config);
  Trainer(domain, config, model, run_dir.string(), Reporter{}).run(false);
  fs::remove_all(run_dir);
  return log->calls;
}

}  // namespace

TEST_CASE("epoch sampler: after get(step) the trainer prefetches exactly the indices of step + 1") {
  const auto calls = train_and_log("epoch");
  EpochSampler expected(kExamples, kBatch, 1, 0, 0);
  // get(0), prefetch(1), get(1), prefetch(2), ..., get(kSteps - 1): no hint beyond the last step.
  REQUIRE(calls.size() == size_t(2 * kSteps - 1));
  for (int64_t step = 0; step < kSteps; ++step) {
    CHECK(calls[size_t(2 * step)].first == "get");
    CHECK(at::equal(calls[size_t(2 * step)].second, expected.local_indices(step)));
    if (step + 1 < kSteps) {
      CHECK(calls[size_t(2 * step + 1)].first == "prefetch");
      CHECK(at::equal(calls[size_t(2 * step + 1)].second, expected.local_indices(step + 1)));
    }
  }
}

TEST_CASE("random sampler: no prefetch (the next draw is not known without touching the generator)") {
  const auto calls = train_and_log("random");
  CHECK(calls.size() == size_t(kSteps));
  for (const auto& [what, indices] : calls) CHECK(what == "get");
}
