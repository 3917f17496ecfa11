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
#include <c10/util/Exception.h>
#include <sys/resource.h>
#include <torch/types.h>  // before clip_grad.h, which uses torch::Tensor without including it
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "disco/allocator.h"
#include "disco/config.h"
#include "disco/ema.h"
#include "disco/error.h"
#include "disco/generate.h"
#include "disco/latents.h"
#include "disco/model.h"
#include "disco/plugin_loader.h"
#include "disco/registry.h"

namespace {

struct Options {
  int threads = int(std::max(1u, std::thread::hardware_concurrency()));
  int repeats = 3;
  int warmup = 1;
  std::string workload = "all";  // train | sample | roofline | all
  std::string config = "examples/image/fashion_mnist.toml";
  int64_t train_steps = 5;       // training steps per timed repeat (the reported time is per step)
  int64_t batch = 32;
  int64_t sample_n = 64;
  int64_t sample_steps = 18;
  bool channels_last = false;
  bool json = false;
  std::string plugin_path;
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
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) throw disco::UsageError(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads") o.threads = std::stoi(value(i));
    else if (a == "--repeats") o.repeats = std::stoi(value(i));
    else if (a == "--warmup") o.warmup = std::stoi(value(i));
    else if (a == "--workload") o.workload = value(i);
    else if (a == "--config") o.config = value(i);
    else if (a == "--train-steps") o.train_steps = std::stoll(value(i));
    else if (a == "--batch") o.batch = std::stoll(value(i));
    else if (a == "--sample-n") o.sample_n = std::stoll(value(i));
    else if (a == "--sample-steps") o.sample_steps = std::stoll(value(i));
    else if (a == "--plugin-path") o.plugin_path = value(i);
    else if (a == "--channels-last") o.channels_last = true;
    else if (a == "--json") o.json = true;
    else if (a == "-h" || a == "--help") {
      std::printf(kUsage, int(std::max(1u, std::thread::hardware_concurrency())));
      std::exit(0);
    } else {
      throw disco::UsageError("unknown option '" + a + "' (see --help)");
    }
  }
  if (o.threads < 1 || o.repeats < 1 || o.warmup < 0 || o.train_steps < 1 || o.batch < 1 || o.sample_n < 1 ||
      o.sample_steps < 1)
    throw disco::UsageError("--threads, --repeats, --train-steps, --batch, --sample-n, --sample-steps must be >= 1 "
                            "and --warmup >= 0");
  if (o.workload != "train" && o.workload != "sample" && o.workload != "roofline" && o.workload != "all")
    throw disco::UsageError("--workload must be train, sample, roofline or all (got '" + o.workload + "')");
  return o;
}

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
double cpu_seconds() {  // CPU time of the whole process (all threads)
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
std::string json_list(const std::vector<double>& v) {
  std::string s = "[";
  char buf[64];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s%.9g", i ? ", " : "", v[i]);
    s += buf;
  }
  return s + "]";
}
int64_t count_params(torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}
// "name:d0xd1x..." for every parameter, so the report can compare the two sides tensor by tensor.
std::string json_shapes(torch::nn::Module& m) {
  std::string s = "{";
  bool first = true;
  for (const auto& item : m.named_parameters()) {
    s += std::string(first ? "" : ", ") + "\"" + item.key() + "\": [";
    for (int64_t d = 0; d < item.value().dim(); ++d) s += (d ? ", " : "") + std::to_string(item.value().size(d));
    s += "]";
    first = false;
  }
  return s + "}";
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
  disco::register_core_components(registry);
  loader.load_directories(disco::plugin_search_path(o.plugin_path, boost::dll::program_location().string()),
                          registry);
  {
    disco::Config config = disco::Config::parse_file(o.config);
    const std::string domain_name = config.get_string("domain");
    std::shared_ptr<disco::Domain> domain;
    try {
      domain = registry.domain(domain_name);
    } catch (const disco::PluginError&) {
      if (const auto* rec = loader.explain_missing(domain_name))
        throw disco::PluginError("domain '" + domain_name + "' is not available: " + rec->path + ": " + rec->error);
      throw;
    }
    for (const std::string& s :
         {"threads=" + std::to_string(o.threads), "train.batch_size=" + std::to_string(o.batch),
          "sample.n=" + std::to_string(o.sample_n), "sample.batch_size=" + std::to_string(o.sample_n),
          "sample.steps=" + std::to_string(o.sample_steps), std::string("sample.sampler=\"heun\"")})
      config.apply_override(s);
    disco::Schema schema = disco::core_schema();
    schema.merge(disco::Schema::parse(domain->schema(), "schema of plugin '" + domain_name + "'"));
    config.validate(schema);

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
    std::vector<double> train_t, train_c, sample_t, sample_c, prior_t, forward_t, mm_t;
    int64_t nfe = 0;
    double last_loss = NAN, sample_mean = NAN;
    if (all || o.workload == "train") {
      TrainLoop loop(*domain, config, model);
      for (int r = 0; r < o.warmup + o.repeats; ++r) {
        const auto t0 = Clock::now();
        const double c0 = cpu_seconds();
        for (int64_t s = 0; s < o.train_steps; ++s) loop.step();
        if (r >= o.warmup)
          train_t.push_back(since(t0) / double(o.train_steps)),
              train_c.push_back((cpu_seconds() - c0) / double(o.train_steps));
      }
      last_loss = loop.last_loss();
    }
    if (all || o.workload == "sample") {
      disco::GenerateOptions g = disco::generate_options_from_config(config);
      for (int r = 0; r < o.warmup + o.repeats; ++r) {
        timed_prior->seconds = 0;
        const auto t0 = Clock::now();
        const double c0 = cpu_seconds();
        disco::SampleSet s = disco::generate(model, *domain, registry, config, g, disco::Reporter{});
        const double seconds = since(t0), cpu = cpu_seconds() - c0;
        if (r >= o.warmup) sample_t.push_back(seconds), sample_c.push_back(cpu), prior_t.push_back(timed_prior->seconds);
        nfe = s.nfe;
        if (s.x.size(0) != o.sample_n || !s.x.isfinite().all().item<bool>())
          throw disco::RuntimeError("benchmark sampling produced a wrong or non-finite result");
        sample_mean = s.x.to(at::kDouble).mean().item<double>();
      }
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
      for (int r = 0; r < o.warmup + 3 * o.repeats; ++r) {
        const auto t0 = Clock::now();
        auto d = model.ema->denoise(noisy, sigma, z);
        if (r >= o.warmup) forward_t.push_back(since(t0));
      }
      // sgemm peak: a square single-precision matrix product, 2 n^3 FLOPs.
      auto a = at::randn({1024, 1024}, gen), b = at::randn({1024, 1024}, gen);
      for (int r = 0; r < 2 + 5; ++r) {
        const auto t0 = Clock::now();
        auto c = at::mm(a, b);
        if (r >= 2) mm_t.push_back(since(t0));
      }
    }

    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const long peak_rss_kb = usage.ru_maxrss;
    const int64_t params_denoiser = count_params(*model.denoiser), params_encoder = count_params(*model.encoder),
                  params_prior = count_params(*prior);
    if (o.json) {
      std::printf("{\"impl\": \"disco\", \"torch_version\": \"%s\", \"threads\": %d, \"interop_threads\": %d, "
                  "\"channels_last\": %s, \"param_count\": {\"denoiser\": %lld, \"encoder\": %lld, \"prior\": %lld}, "
                  "\"peak_rss_kb\": %ld, \"workloads\": {",
                  TORCH_VERSION, at::get_num_threads(), at::get_num_interop_threads(),
                  o.channels_last ? "true" : "false", (long long)params_denoiser, (long long)params_encoder,
                  (long long)params_prior, peak_rss_kb);
      std::string sep;
      if (!train_t.empty()) {
        std::printf("\"train\": {\"batch\": %lld, \"steps_per_repeat\": %lld, \"warmup\": %d, \"last_loss\": %.9g, "
                    "\"seconds_per_step\": %s, \"cpu_seconds_per_step\": %s}",
                    (long long)o.batch, (long long)o.train_steps, o.warmup, last_loss, json_list(train_t).c_str(),
                    json_list(train_c).c_str());
        sep = ", ";
      }
      if (!sample_t.empty()) {
        std::printf("%s\"sample\": {\"n\": %lld, \"steps\": %lld, \"nfe\": %lld, \"warmup\": %d, \"mean\": %.9g, "
                    "\"seconds\": %s, \"cpu_seconds\": %s, \"prior_seconds\": %s}",
                    sep.c_str(), (long long)o.sample_n, (long long)o.sample_steps, (long long)nfe, o.warmup,
                    sample_mean, json_list(sample_t).c_str(), json_list(sample_c).c_str(), json_list(prior_t).c_str());
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
      if (!train_t.empty())
        std::printf("train step (batch %lld): median %.1f ms (CPU %.1f ms) over %d repeats of %lld steps (loss %.4g)\n",
                    (long long)o.batch, 1e3 * median(train_t), 1e3 * median(train_c), o.repeats,
                    (long long)o.train_steps, last_loss);
      if (!sample_t.empty())
        std::printf("sample %lld images, heun %lld steps (%lld NFE): median %.3f s (CPU %.3f s), AR prior %.4f s\n",
                    (long long)o.sample_n, (long long)o.sample_steps, (long long)nfe, median(sample_t),
                    median(sample_c), median(prior_t));
      if (!forward_t.empty())
        std::printf("U-Net forward (batch %lld): median %.1f ms; 1024^3 sgemm: best %.1f GFLOP/s\n",
                    (long long)o.sample_n, 1e3 * median(forward_t),
                    2e-9 * 1024.0 * 1024 * 1024 / *std::min_element(mm_t.begin(), mm_t.end()));
      std::printf("peak RSS %.1f MiB\n", peak_rss_kb / 1024.0);
    }
  }  // the model and every plugin object die here, before the registry and the loader
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const disco::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return e.exit_code();
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    std::fprintf(stderr, "error: LibTorch: %s\n", what.substr(0, what.find('\n')).c_str());
    return disco::kExitRuntime;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return disco::kExitUsage;
  }
}
