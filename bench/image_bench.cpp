// disco_bench_image: times the image U-Net of examples/image/fashion_mnist.toml (DisCo-Diff: U-Net with
// cross-attention to m = 4 latents, ViT encoder, AR prior) in disco, for comparison with
// bench/image_reference.py, the same networks written in PyTorch-Python.
//
// Workloads (bench/README.md):
//   train   one stage-1 step at batch 32, as core/src/train/trainer.cpp does it: sample indices, dataset->get,
//           sigma, perturb, encoder logits, Gumbel-Softmax (tau = 1, soft), latent dropout, denoise, loss mean +
//           item, zero_grad, backward, clip_grad_norm_ over denoiser + encoder, Adam (two groups), EMA update.
//   sample  64 images with Heun, 18 EDM steps (35 network evaluations) through disco::generate, which runs in
//           no-grad and the U-Net's inference mode; the AR prior's sample() inside it is timed on its own.
//   roofline  the U-Net forward alone (batch 64, inference mode) and a 1024^3 at::mm (the sgemm peak).
//
// The domain is reached as the CLI reaches it: PluginLoader + Registry, the example's TOML validated against the
// core schema merged with the plugin's, Model::build. Process start, plugin loading and building are not timed.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <torch/types.h>  // before clip_grad.h, which uses torch::Tensor without including it
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench_harness.h"
#include "disco/host/allocator.h"
#include "disco/config.h"
#include "disco/host/ema.h"
#include "disco/error.h"
#include "disco/generate.h"
#include "disco/latents.h"
#include "disco/model.h"
#include "disco/host/plugin_loader.h"
#include "disco/registry.h"

namespace {

using namespace disco::bench;

struct Options : CommonOptions {  // workload: train | sample | roofline | all
  std::string config = "examples/image/fashion_mnist.toml";
  bool channels_last = false;
};

const char* kUsage =
    "usage: disco_bench_image [--threads N] [--repeats R] [--warmup W] [--workload train|sample|roofline|all]\n"
    "                         [--config FILE] [--train-steps K] [--batch B] [--sample-n N] [--sample-steps S]\n"
    "                         [--channels-last] [--json] [--plugin-path DIRS]\n"
    "  --threads N       LibTorch intra-op threads (default: all cores, here %d)\n"
    "  --repeats R       timed repeats per workload (default 3); --warmup W: untimed repeats first (default 1)\n"
    "  --config FILE     the experiment whose model is measured (default examples/image/fashion_mnist.toml)\n"
    "  --train-steps K   training steps per repeat; the time reported is per step (default 5)\n"
    "  --batch B         training batch size (default 32)\n"
    "  --sample-n N      images to sample (default 64); --sample-steps S: Heun steps (default 18)\n"
    "  --channels-last   4-D weights (and so the activations) in channels-last memory format\n"
    "  --json            print one JSON object instead of the summary\n";

Options parse_args(int argc, char** argv) {
  Options o;
  parse_options(argc, argv, o, kUsage, {"train", "sample", "roofline", "all"},
                [&](const std::string& a, const std::function<std::string()>& value) {
                  if (a == "--config") o.config = value();
                  else if (a == "--channels-last") o.channels_last = true;
                  else return false;
                  return true;
                });
  return o;
}

void to_channels_last(torch::nn::Module& m) {
  torch::NoGradGuard no_grad;
  for (auto& p : m.parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
}

// The model's prior, with the time spent in sample() added up: its share of disco::generate.
class TimedPrior : public disco::Prior {
 public:
  explicit TimedPrior(std::shared_ptr<disco::Prior> inner) : inner_(register_module("inner", std::move(inner))) {}
  at::Tensor sample(const disco::Batch& cond, int64_t n, double temperature, int64_t top_k,
                    c10::optional<at::Generator> gen) override {
    const auto t0 = Clock::now();
    auto z = inner_->sample(cond, n, temperature, top_k, gen);
    seconds += since(t0);
    return z;
  }
  at::Tensor nll(const disco::Batch& cond, const at::Tensor& z) override { return inner_->nll(cond, z); }
  double seconds = 0;

 private:
  std::shared_ptr<disco::Prior> inner_;
};

// Stage 1 of Trainer::run, step by step (encoder + denoiser, Alg. 1).
class TrainLoop {
 public:
  TrainLoop(const disco::Domain& domain, const disco::Config& config, disco::Model& model)
      : model_(model),
        cpu_gen_(at::detail::createCPUGenerator(uint64_t(config.get_int("seed")))),
        gen_(cpu_gen_),
        dataset_(domain.make_dataset(config, "train")),
        n_data_(dataset_->size()),
        batch_size_(config.get_int("train.batch_size")),
        grad_clip_(config.get_float("train.grad_clip")),
        ema_decay_(config.get_float("train.ema_decay")),
        tau_(config.get_float("latent.tau")),
        p_null_(config.get_float("latent.p_null")),
        hard_(config.get_bool("latent.hard")),
        opt_(groups(config), torch::optim::AdamOptions(config.get_float("train.lr"))) {
    model_.denoiser->train();
    if (model_.encoder) model_.encoder->train();
  }

  void step() {
    const auto device = c10::Device(c10::kCPU);
    auto idx = at::randint(n_data_, {batch_size_}, cpu_gen_, at::TensorOptions().dtype(at::kLong));
    disco::Batch batch = dataset_->get(idx).to(device);
    batch.size = batch_size_;
    auto sigma = model_.diffusion->sample_sigma(batch_size_, device, gen_);
    disco::Batch noisy = model_.diffusion->perturb(batch, sigma, gen_);
    disco::Latents z;
    if (model_.encoder) {
      auto enc = model_.encoder->encode(batch);
      z.codes = disco::gumbel_softmax(enc.logits, tau_, hard_, enc.mask, gen_);
      z.dropped = disco::latent_dropout_mask(batch_size_, p_null_, device, gen_);
    }
    auto pred = model_.denoiser->denoise(noisy, sigma, z);
    auto loss = model_.diffusion->loss(batch, pred, sigma).mean();
    const double loss_value = loss.item<double>();
    opt_.zero_grad();
    if (!std::isfinite(loss_value)) throw disco::RuntimeError("benchmark training diverged (loss not finite)");
    loss.backward();
    std::vector<at::Tensor> params = model_.denoiser->parameters();
    if (model_.encoder)
      for (auto& p : model_.encoder->parameters()) params.push_back(p);
    const double norm = torch::nn::utils::clip_grad_norm_(params, grad_clip_ > 0 ? grad_clip_ : 1e30);
    if (!std::isfinite(norm)) throw disco::RuntimeError("benchmark training diverged (gradient not finite)");
    opt_.step();
    const double decay = std::min(ema_decay_, (1.0 + step_) / (10.0 + step_));
    disco::ema_update(*model_.ema, *model_.denoiser, decay);
    ++step_;
    last_loss_ = loss_value;
  }
  double last_loss() const { return last_loss_; }

 private:
  std::vector<torch::optim::OptimizerParamGroup> groups(const disco::Config& config) const {
    std::vector<torch::optim::OptimizerParamGroup> g;
    g.emplace_back(model_.denoiser->parameters(),
                   std::make_unique<torch::optim::AdamOptions>(config.get_float("train.lr")));
    if (model_.encoder)
      g.emplace_back(model_.encoder->parameters(),
                     std::make_unique<torch::optim::AdamOptions>(config.get_float("train.encoder_lr")));
    return g;
  }

  disco::Model& model_;
  at::Generator cpu_gen_;
  c10::optional<at::Generator> gen_;
  std::unique_ptr<disco::Dataset> dataset_;
  int64_t n_data_, batch_size_;
  double grad_clip_, ema_decay_, tau_, p_null_;
  bool hard_;
  torch::optim::Adam opt_;
  int64_t step_ = 0;
  double last_loss_ = NAN;
};

int run(const Options& o) {
  disco::tune_heap_for_tensors();  // as the CLI does first thing in main()
  torch::set_num_threads(o.threads);
  disco::PluginLoader loader;  // outlives the registry, which outlives the model
  disco::Registry registry;
  load_plugins(loader, registry, o.plugin_path);
  {
    disco::Config config = disco::Config::parse_file(o.config);
    const std::string domain_name = config.get_string("domain");
    std::shared_ptr<disco::Domain> domain = find_domain(loader, registry, domain_name);
    for (const std::string& s :
         {"threads=" + std::to_string(o.threads), "train.batch_size=" + std::to_string(o.batch),
          "sample.n=" + std::to_string(o.sample_n), "sample.batch_size=" + std::to_string(o.sample_n),
          "sample.steps=" + std::to_string(o.sample_steps), std::string("sample.sampler=\"heun\"")})
      config.apply_override(s);
    validate_config(config, *domain, domain_name);

    disco::Model model = disco::Model::build(*domain, config);
    if (!model.encoder || !model.prior) throw disco::ConfigError(o.config + ": the benchmark needs latent.m > 0");
    if (o.channels_last) {
      to_channels_last(*model.denoiser);
      to_channels_last(*model.ema);
    }
    const std::shared_ptr<disco::Prior> prior = model.prior;  // unwrapped: its parameter names are the checkpoint's
    auto timed_prior = std::make_shared<TimedPrior>(prior);
    model.prior = timed_prior;

    const bool all = o.workload == "all";
    Timings train, sample;
    std::vector<double> prior_t, forward_t, mm_t;
    int64_t nfe = 0;
    double last_loss = NAN, sample_mean = NAN;
    if (all || o.workload == "train") {
      TrainLoop loop(*domain, config, model);
      train = time_repeats(o.warmup, o.repeats, double(o.train_steps), [&](bool, Stopwatch&) {
        for (int64_t s = 0; s < o.train_steps; ++s) loop.step();
      });
      last_loss = loop.last_loss();
    }
    if (all || o.workload == "sample") {
      disco::GenerateOptions g = disco::generate_options_from_config(config);
      sample = time_repeats(o.warmup, o.repeats, 1.0, [&](bool timed, Stopwatch& watch) {
        timed_prior->seconds = 0;
        disco::SampleSet s = disco::generate(model, *domain, registry, config, g, disco::Reporter{});
        watch.stop();
        if (timed) prior_t.push_back(timed_prior->seconds);
        nfe = s.nfe;
        if (s.x.size(0) != o.sample_n || !s.x.isfinite().all().item<bool>())
          throw disco::RuntimeError("benchmark sampling produced a wrong or non-finite result");
        sample_mean = s.x.to(at::kDouble).mean().item<double>();
      });
    }
    if (all || o.workload == "roofline") {
      // The U-Net forward alone at the sampling batch (what one network evaluation of sampling costs).
      c10::InferenceMode guard;
      model.ema->eval();
      const auto shape = domain->state_shape(config);
      std::vector<int64_t> xs{o.sample_n};
      xs.insert(xs.end(), shape.begin(), shape.end());
      auto gen = at::detail::createCPUGenerator(7);
      disco::Batch noisy = domain->sample_conditions(config, o.sample_n, gen);
      noisy.tensors["x"] = at::randn(xs, gen);
      if (o.channels_last) noisy.tensors["x"] = noisy.tensors["x"].contiguous(at::MemoryFormat::ChannelsLast);
      auto sigma = at::full({o.sample_n}, 1.0);
      auto z = disco::Latents::from_indices(at::randint(model.k, {o.sample_n, model.m}, gen), model.k);
      forward_t = time_repeats(o.warmup, 3 * o.repeats, 1.0, [&](bool, Stopwatch& watch) {
                    auto d = model.ema->denoise(noisy, sigma, z);
                    watch.stop();  // before the output is freed
                  }).wall;
      // sgemm peak: a square single-precision matrix product, 2 n^3 FLOPs.
      auto a = at::randn({1024, 1024}, gen), b = at::randn({1024, 1024}, gen);
      mm_t = time_repeats(2, 5, 1.0, [&](bool, Stopwatch& watch) {
               auto c = at::mm(a, b);
               watch.stop();
             }).wall;
    }

    const long peak_rss = peak_rss_kb();
    const int64_t params_denoiser = count_params(*model.denoiser), params_encoder = count_params(*model.encoder),
                  params_prior = count_params(*prior);
    if (o.json) {
      std::printf("{\"impl\": \"disco\", \"torch_version\": \"%s\", \"threads\": %d, \"interop_threads\": %d, "
                  "\"channels_last\": %s, \"param_count\": {\"denoiser\": %lld, \"encoder\": %lld, \"prior\": %lld}, "
                  "\"peak_rss_kb\": %ld, \"workloads\": {",
                  TORCH_VERSION, at::get_num_threads(), at::get_num_interop_threads(),
                  o.channels_last ? "true" : "false", (long long)params_denoiser, (long long)params_encoder,
                  (long long)params_prior, peak_rss);
      std::string sep;
      if (!train.wall.empty()) {
        std::printf("\"train\": {\"batch\": %lld, \"steps_per_repeat\": %lld, \"warmup\": %d, \"last_loss\": %.9g, "
                    "\"seconds_per_step\": %s, \"cpu_seconds_per_step\": %s}",
                    (long long)o.batch, (long long)o.train_steps, o.warmup, last_loss, json_list(train.wall).c_str(),
                    json_list(train.cpu).c_str());
        sep = ", ";
      }
      if (!sample.wall.empty()) {
        std::printf("%s\"sample\": {\"n\": %lld, \"steps\": %lld, \"nfe\": %lld, \"warmup\": %d, \"mean\": %.9g, "
                    "\"seconds\": %s, \"cpu_seconds\": %s, \"prior_seconds\": %s}",
                    sep.c_str(), (long long)o.sample_n, (long long)o.sample_steps, (long long)nfe, o.warmup,
                    sample_mean, json_list(sample.wall).c_str(), json_list(sample.cpu).c_str(), json_list(prior_t).c_str());
        sep = ", ";
      }
      if (!forward_t.empty())
        std::printf("%s\"roofline\": {\"batch\": %lld, \"forward_seconds\": %s, \"mm_n\": 1024, \"mm_seconds\": %s}",
                    sep.c_str(), (long long)o.sample_n, json_list(forward_t).c_str(), json_list(mm_t).c_str());
      std::printf("}, \"param_shapes\": {\"denoiser\": %s, \"encoder\": %s, \"prior\": %s}}\n",
                  json_shapes(*model.denoiser).c_str(), json_shapes(*model.encoder).c_str(),
                  json_shapes(*prior).c_str());
    } else {
      std::printf("disco image (%s): denoiser %lld, encoder %lld, prior %lld parameters; LibTorch %s, %d threads%s\n",
                  o.config.c_str(), (long long)params_denoiser, (long long)params_encoder, (long long)params_prior,
                  TORCH_VERSION, at::get_num_threads(), o.channels_last ? ", channels-last" : "");
      if (!train.wall.empty())
        std::printf("train step (batch %lld): median %.1f ms (CPU %.1f ms) over %d repeats of %lld steps (loss %.4g)\n",
                    (long long)o.batch, 1e3 * median(train.wall), 1e3 * median(train.cpu), o.repeats,
                    (long long)o.train_steps, last_loss);
      if (!sample.wall.empty())
        std::printf("sample %lld images, heun %lld steps (%lld NFE): median %.3f s (CPU %.3f s), AR prior %.4f s\n",
                    (long long)o.sample_n, (long long)o.sample_steps, (long long)nfe, median(sample.wall),
                    median(sample.cpu), median(prior_t));
      if (!forward_t.empty())
        std::printf("U-Net forward (batch %lld): median %.1f ms; 1024^3 sgemm: best %.1f GFLOP/s\n",
                    (long long)o.sample_n, 1e3 * median(forward_t),
                    2e-9 * 1024.0 * 1024 * 1024 / *std::min_element(mm_t.begin(), mm_t.end()));
      std::printf("peak RSS %.1f MiB\n", peak_rss / 1024.0);
    }
  }  // the model and every plugin object die here, before the registry and the loader
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run_main([&] { return run(parse_args(argc, argv)); });
}
