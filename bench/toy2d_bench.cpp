// disco_bench_toy2d: times the toy2d baseline (latent.m = 0, App. F.2 network minus the latent path) in disco,
// for comparison with bench/toy2d_reference.py, the same model written in PyTorch-Python.
//
// Workloads (bench/README.md):
//   train   one stage-1 training step at batch 512: the work of core/src/train/trainer.cpp per step (sample
//           indices, dataset->get, sample_sigma, perturb, denoise, loss mean + item, zero_grad, backward,
//           clip_grad_norm_, Adam step, EMA update with warm-up).
//   sample  8,000 points with Heun, 50 steps (99 network evaluations), through disco::generate.
//
// The domain is reached only as the CLI reaches it: PluginLoader + Registry, config validated against the core
// schema merged with the domain's. Each repeat records wall time and the process's CPU time; process start,
// plugin loading and building the model are not timed. Output: a summary, or one JSON object with --json.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/types.h>  // before clip_grad.h, which uses torch::Tensor without including it
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench_harness.h"
#include "disco/host/allocator.h"
#include "disco/config.h"
#include "disco/host/ema.h"
#include "disco/error.h"
#include "disco/generate.h"
#include "disco/model.h"
#include "disco/host/plugin_loader.h"
#include "disco/registry.h"

namespace {

using namespace disco::bench;

struct Options : CommonOptions {  // workload: train | sample | all
  bool breakdown = false;
  bool os_malloc = false;    // experiment: glibc defaults instead of disco::tune_heap_for_tensors()
  bool flat_params = false;  // experiment: clip, Adam and EMA on one flat buffer (see FlatParams)
  Options() {
    repeats = 5;
    train_steps = 50;
    batch = 512;
    sample_n = 8000;
    sample_steps = 50;
  }
};

const char* kUsage =
    "usage: disco_bench_toy2d [--threads N] [--repeats R] [--warmup W] [--workload train|sample|all]\n"
    "                         [--train-steps K] [--batch B] [--sample-n N] [--sample-steps S] [--breakdown]\n"
    "                         [--json] [--plugin-path DIRS] [--os-malloc] [--flat-params]\n"
    "  --threads N       LibTorch intra-op threads (default: all cores, here %d)\n"
    "  --repeats R       timed repeats per workload (default 5)\n"
    "  --warmup W        untimed repeats first (default 1)\n"
    "  --workload W      train, sample or all (default all)\n"
    "  --train-steps K   training steps per repeat; the time reported is per step (default 50)\n"
    "  --batch B         training batch size (default 512)\n"
    "  --sample-n N      points to sample (default 8000); --sample-steps S: Heun steps (default 50)\n"
    "  --plugin-path D   plugin directories searched before $DISCO_PLUGIN_PATH and <bin>/../lib/disco/plugins\n"
    "  --breakdown       also time the phases of a training step (data, forward, backward, clip, adam, ema)\n"
    "  --os-malloc       experiment: glibc's default heap settings, as disco had before tune_heap_for_tensors()\n"
    "  --flat-params     experiment: parameters, gradients and EMA in one flat buffer each (clip/Adam/EMA on it)\n"
    "  --json            print one JSON object instead of the summary\n";

Options parse_args(int argc, char** argv) {
  Options o;
  parse_options(argc, argv, o, kUsage, {"train", "sample", "all"},
                [&](const std::string& a, const std::function<std::string()>&) {
                  if (a == "--breakdown") o.breakdown = true;
                  else if (a == "--os-malloc") o.os_malloc = true;
                  else if (a == "--flat-params") o.flat_params = true;
                  else return false;
                  return true;
                });
  return o;
}

// The experiment: examples/toy2d/eight_gaussians_baseline.toml's model and data, at the benchmark's sizes.
std::string config_toml(const Options& o) {
  std::ostringstream s;
  s << "domain = \"toy2d\"\nseed = 0\nthreads = " << o.threads << "\ndevice = \"cpu\"\n"
    << "[data]\nname = \"eight_gaussians\"\npoints_per_mode = 1000\nmode_sigma = 0.2\nradius = 3.0\n"
    << "[latent]\nm = 0\n"
    << "[diffusion]\nsigma_data = 3.0\nsigma_min = 0.002\nsigma_max = 80.0\n"
    << "[model]\nhidden = 128\n"
    << "[train]\nbatch_size = " << o.batch << "\nlr = 1e-3\nema_decay = 0.999\ngrad_clip = 1.0\n"
    << "[sample]\nsampler = \"heun\"\nsteps = " << o.sample_steps << "\nn = " << o.sample_n
    << "\nbatch_size = 8192\ncfg = 1.0\n";
  return s.str();
}

// Experiment (--flat-params), not what disco does today: every parameter of the denoiser, its gradient and its
// EMA copy become views of one flat buffer each, so that gradient clipping, Adam and the EMA update are a few
// ops on one tensor instead of a few ops per parameter tensor. Measures what core/src/train/trainer.cpp would
// gain from it (bench/README.md). The arithmetic is the same; losses match the per-tensor path.
struct FlatParams {
  at::Tensor data, grad, ema;

  FlatParams(torch::nn::Module& model, torch::nn::Module& ema_model) {
    torch::NoGradGuard no_grad;
    auto ps = model.parameters(), es = ema_model.parameters();
    if (!model.buffers().empty() || ps.size() != es.size())
      throw disco::RuntimeError("--flat-params: the model has buffers or its EMA copy differs");
    int64_t total = 0;
    for (const auto& p : ps) total += p.numel();
    data = at::empty({total});
    grad = at::zeros({total});
    ema = at::empty({total});
    int64_t offset = 0;
    for (size_t i = 0; i < ps.size(); ++i) {
      const int64_t n = ps[i].numel();
      auto view = [&](const at::Tensor& flat) { return flat.narrow(0, offset, n).view(ps[i].sizes()); };
      view(data).copy_(ps[i]);
      ps[i].set_data(view(data));
      ps[i].mutable_grad() = view(grad);  // autograd accumulates into an existing gradient in place
      view(ema).copy_(es[i]);
      es[i].set_data(view(ema));
      offset += n;
    }
    data.mutable_grad() = grad;  // what the optimizer sees
  }
};

// Stage-1 training of the baseline, step by step as in Trainer::run (m = 0: no encoder, no latents).
class TrainLoop {
 public:
  TrainLoop(const disco::Domain& domain, const disco::Config& config, disco::Model& model, bool flat_params)
      : model_(model),
        flat_(flat_params ? std::make_unique<FlatParams>(*model.denoiser, *model.ema) : nullptr),
        cpu_gen_(at::detail::createCPUGenerator(uint64_t(config.get_int("seed")))),
        gen_(cpu_gen_),
        dataset_(domain.make_dataset(config, "train")),
        n_data_(dataset_->size()),
        batch_size_(config.get_int("train.batch_size")),
        grad_clip_(config.get_float("train.grad_clip")),
        ema_decay_(config.get_float("train.ema_decay")),
        opt_(groups(config), torch::optim::AdamOptions(config.get_float("train.lr"))) {
    model_.denoiser->train();
  }

  // One optimisation step; with `phases` (6 entries) adds the seconds spent in each phase.
  void step(double* phases = nullptr) {
    const auto device = c10::Device(c10::kCPU);
    auto t = Clock::now();
    auto lap = [&](int i) {
      if (!phases) return;
      const auto now = Clock::now();
      phases[i] += std::chrono::duration<double>(now - t).count();
      t = now;
    };
    auto idx = at::randint(n_data_, {batch_size_}, cpu_gen_, at::TensorOptions().dtype(at::kLong));
    disco::Batch batch = dataset_->get(idx).to(device);
    batch.size = batch_size_;
    auto sigma = model_.diffusion->sample_sigma(batch_size_, device, gen_);
    disco::Batch noisy = model_.diffusion->perturb(batch, sigma, gen_);
    lap(0);
    disco::Latents z;  // m = 0
    auto pred = model_.denoiser->denoise(noisy, sigma, z);
    auto loss = model_.diffusion->loss(batch, pred, sigma).mean();
    const double loss_value = loss.item<double>();
    lap(1);
    if (flat_) flat_->grad.zero_();
    else opt_.zero_grad();
    if (!std::isfinite(loss_value)) throw disco::RuntimeError("benchmark training diverged (loss not finite)");
    loss.backward();
    lap(2);
    double norm;
    if (flat_) {  // torch::nn::utils::clip_grad_norm_ on the one flat gradient
      norm = flat_->grad.norm().item<double>();
      const double coef = (grad_clip_ > 0 ? grad_clip_ : 1e30) / (norm + 1e-6);
      if (coef < 1) flat_->grad.mul_(coef);
    } else {
      std::vector<at::Tensor> params = model_.denoiser->parameters();
      norm = torch::nn::utils::clip_grad_norm_(params, grad_clip_ > 0 ? grad_clip_ : 1e30);
    }
    if (!std::isfinite(norm)) throw disco::RuntimeError("benchmark training diverged (gradient not finite)");
    lap(3);
    opt_.step();
    lap(4);
    const double decay = std::min(ema_decay_, (1.0 + step_) / (10.0 + step_));
    if (flat_) {
      torch::NoGradGuard no_grad;
      flat_->ema.mul_(decay).add_(flat_->data, 1.0 - decay);
    } else {
      disco::ema_update(*model_.ema, *model_.denoiser, decay);
    }
    lap(5);
    ++step_;
    last_loss_ = loss_value;
  }
  double last_loss() const { return last_loss_; }

 private:
  std::vector<torch::optim::OptimizerParamGroup> groups(const disco::Config& config) const {
    std::vector<torch::optim::OptimizerParamGroup> g;
    g.emplace_back(flat_ ? std::vector<at::Tensor>{flat_->data} : model_.denoiser->parameters(),
                   std::make_unique<torch::optim::AdamOptions>(config.get_float("train.lr")));
    return g;
  }

  disco::Model& model_;
  std::unique_ptr<FlatParams> flat_;  // declared before opt_, which optimises flat_->data when set
  at::Generator cpu_gen_;
  c10::optional<at::Generator> gen_;
  std::unique_ptr<disco::Dataset> dataset_;
  int64_t n_data_, batch_size_;
  double grad_clip_, ema_decay_;
  torch::optim::Adam opt_;
  int64_t step_ = 0;
  double last_loss_ = NAN;
};

int run(const Options& o) {
  // The CLI does this first thing in main(); the bench measures disco as shipped unless told otherwise.
  if (!o.os_malloc) disco::tune_heap_for_tensors();
  torch::set_num_threads(o.threads);
  // Declaration order matters: the loader outlives the registry, and both outlive the model (session.h).
  disco::PluginLoader loader;
  disco::Registry registry;
  load_plugins(loader, registry, o.plugin_path);
  {
    std::shared_ptr<disco::Domain> domain = find_domain(loader, registry, "toy2d");
    disco::Config config = disco::Config::parse_string(config_toml(o), "<disco_bench_toy2d>");
    validate_config(config, *domain, "toy2d");

    torch::manual_seed(uint64_t(config.get_int("seed")));
    disco::Model model = disco::Model::build(*domain, config);
    const int64_t param_count = count_params(*model.denoiser);

    const bool do_train = o.workload != "sample", do_sample = o.workload != "train";
    Timings train, sample;
    double phases[6] = {0, 0, 0, 0, 0, 0};
    int64_t phase_steps = 0, nfe = 0;
    double last_loss = NAN, mean_xy[2] = {NAN, NAN};
    if (do_train) {
      TrainLoop loop(*domain, config, model, o.flat_params);
      train = time_repeats(o.warmup, o.repeats, double(o.train_steps), [&](bool timed, Stopwatch&) {
        for (int64_t s = 0; s < o.train_steps; ++s) loop.step(o.breakdown ? phases : nullptr);
        if (!timed && o.breakdown) std::fill(phases, phases + 6, 0.0);
        if (timed) phase_steps += o.train_steps;
      });
      last_loss = loop.last_loss();
    }
    if (do_sample) {
      disco::GenerateOptions g = disco::generate_options_from_config(config);
      sample = time_repeats(o.warmup, o.repeats, 1.0, [&](bool, Stopwatch& watch) {
        disco::SampleSet s = disco::generate(model, *domain, registry, config, g, disco::Reporter{});
        watch.stop();
        nfe = s.nfe;
        if (s.x.size(0) != o.sample_n || !s.x.isfinite().all().item<bool>())
          throw disco::RuntimeError("benchmark sampling produced a wrong or non-finite result");
        auto mean = s.x.to(at::kDouble).mean(0);
        mean_xy[0] = mean[0].item<double>();
        mean_xy[1] = mean[1].item<double>();
      });
    }

    const long peak_rss = peak_rss_kb();
    static const char* kPhaseNames[6] = {"data", "forward", "backward", "clip", "adam", "ema"};

    if (o.json) {
      std::printf("{\"impl\": \"disco\", \"torch_version\": \"%s\", \"threads\": %d, \"interop_threads\": %d, "
                  "\"param_count\": %lld, \"peak_rss_kb\": %ld, \"heap_tuned\": %s, \"flat_params\": %s, \"workloads\": {",
                  TORCH_VERSION, at::get_num_threads(), at::get_num_interop_threads(), (long long)param_count,
                  peak_rss, !o.os_malloc ? "true" : "false", o.flat_params ? "true" : "false");
      bool first = true;
      if (do_train) {
        std::printf("\"train\": {\"batch\": %lld, \"steps_per_repeat\": %lld, \"warmup\": %d, \"last_loss\": %.9g, "
                    "\"seconds_per_step\": %s, \"cpu_seconds_per_step\": %s",
                    (long long)o.batch, (long long)o.train_steps, o.warmup, last_loss, json_list(train.wall).c_str(),
                    json_list(train.cpu).c_str());
        if (o.breakdown) {
          std::printf(", \"breakdown_seconds_per_step\": {");
          for (int i = 0; i < 6; ++i)
            std::printf("%s\"%s\": %.9g", i ? ", " : "", kPhaseNames[i], phases[i] / double(phase_steps));
          std::printf("}");
        }
        std::printf("}");
        first = false;
      }
      if (do_sample)
        std::printf("%s\"sample\": {\"n\": %lld, \"steps\": %lld, \"nfe\": %lld, \"warmup\": %d, "
                    "\"mean_xy\": [%.9g, %.9g], \"seconds\": %s, \"cpu_seconds\": %s}",
                    first ? "" : ", ", (long long)o.sample_n, (long long)o.sample_steps, (long long)nfe, o.warmup,
                    mean_xy[0], mean_xy[1], json_list(sample.wall).c_str(), json_list(sample.cpu).c_str());
      std::printf("}}\n");
    } else {
      std::printf("disco toy2d baseline (latent.m = 0): %lld parameters, LibTorch %s, %d threads\n",
                  (long long)param_count, TORCH_VERSION, at::get_num_threads());
      if (do_train) {
        std::printf("train step (batch %lld): median %.3f ms (CPU %.3f ms) over %d repeats of %lld steps (loss %.4g)\n",
                    (long long)o.batch, 1e3 * median(train.wall), 1e3 * median(train.cpu), o.repeats,
                    (long long)o.train_steps, last_loss);
        if (o.breakdown)
          for (int i = 0; i < 6; ++i)
            std::printf("  %-9s %.3f ms\n", kPhaseNames[i], 1e3 * phases[i] / double(phase_steps));
      }
      if (do_sample)
        std::printf("sample %lld points, heun %lld steps (%lld NFE): median %.3f s (CPU %.3f s) over %d repeats\n",
                    (long long)o.sample_n, (long long)o.sample_steps, (long long)nfe, median(sample.wall),
                    median(sample.cpu), o.repeats);
      std::printf("peak RSS %.1f MiB\n", peak_rss / 1024.0);
    }
  }  // the model and every plugin object die here, before the registry and the loader
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run_main([&] { return run(parse_args(argc, argv)); });
}
