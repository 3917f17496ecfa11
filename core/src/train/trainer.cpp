#include "disco/trainer.h"

#include <ATen/ATen.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <chrono>
#include <csignal>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "disco/atomic_file.h"
#include "disco/checkpoint.h"
#include "disco/ema.h"
#include "disco/error.h"
#include "disco/latents.h"
#include "rng.h"

namespace fs = std::filesystem;

namespace disco {

TrainOptions train_options_from_config(const Config& c) {
  TrainOptions o;
  o.steps = c.get_int("train.steps");
  o.batch_size = c.get_int("train.batch_size");
  o.lr = c.get_float("train.lr");
  o.encoder_lr = c.get_float("train.encoder_lr");
  o.ema_decay = c.get_float("train.ema_decay");
  o.grad_clip = c.get_float("train.grad_clip");
  o.tau = c.get_float("latent.tau");
  o.hard = c.get_bool("latent.hard");
  o.p_null = c.get_float("latent.p_null");
  o.prior_steps = c.get_int("prior.steps");
  o.prior_batch_size = c.get_int("prior.batch_size");
  o.prior_lr = c.get_float("prior.lr");
  o.log_every = c.get_int("train.log_every");
  o.checkpoint_every = c.get_int("train.checkpoint_every");
  o.keep_checkpoints = c.get_int("train.keep_checkpoints");
  o.nonfinite = c.get_string("train.nonfinite");
  o.seed = uint64_t(c.get_int("seed"));
  return o;
}

Trainer::Trainer(const Domain& domain, const Config& config, Model& model, std::string run_dir, Reporter reporter)
    : domain_(domain), config_(config), model_(model), run_dir_(std::move(run_dir)), reporter_(std::move(reporter)),
      o_(train_options_from_config(config)) {}

namespace {

// metrics.csv: one row per logging interval of either stage. On resume, rows past the checkpoint are dropped
// so that the history matches the weights.
class History {
 public:
  History(const std::string& path, const TrainState& resume_from, bool resume) : path_(path) {
    std::string kept = "stage,step,loss,codes_in_use,perplexity,seconds\n";
    if (resume) {
      std::ifstream in(path);
      std::string line;
      std::getline(in, line);
      while (std::getline(in, line)) {
        int64_t stage = 0, step = 0;
        if (std::sscanf(line.c_str(), "%lld,%lld", (long long*)&stage, (long long*)&step) != 2) continue;
        if (stage < resume_from.stage || (stage == resume_from.stage && step <= resume_from.step)) kept += line + "\n";
      }
    }
    write_text_atomically(path, kept);
    out_.open(path, std::ios::app);
  }
  void row(int64_t stage, int64_t step, double loss, int64_t codes, double perplexity, double seconds) {
    out_ << stage << ',' << step << ',' << loss << ',' << codes << ',' << perplexity << ',' << seconds << '\n';
    out_.flush();
  }

 private:
  std::string path_;
  std::ofstream out_;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string fmt_double(double v) {
  std::ostringstream s;
  s.precision(5);
  s << v;
  return s.str();
}

}  // namespace

void Trainer::run(bool resume) {
  const auto device = model_.denoiser->parameters().at(0).device();
  const std::string ckpt_dir = run_dir_ + "/checkpoints";
  fs::create_directories(ckpt_dir);
  torch::manual_seed(o_.seed);
  auto cpu_gen = make_cpu_generator(o_.seed);
  auto gen = generator_for(device, cpu_gen);
  auto dataset = domain_.make_dataset(config_, "train");
  const int64_t n_data = dataset->size();
  if (n_data < 1) throw DataError("the training set is empty");

  // Stage-1 optimizer: denoiser at lr, encoder at its own lr (a lever against encoder collapse).
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(model_.denoiser->parameters(), std::make_unique<torch::optim::AdamOptions>(o_.lr));
  if (model_.encoder)
    groups.emplace_back(model_.encoder->parameters(), std::make_unique<torch::optim::AdamOptions>(o_.encoder_lr));
  torch::optim::Adam opt1(groups, torch::optim::AdamOptions(o_.lr));
  std::unique_ptr<torch::optim::Adam> opt2;
  if (model_.prior)
    opt2 = std::make_unique<torch::optim::Adam>(model_.prior->parameters(), torch::optim::AdamOptions(o_.prior_lr));

  TrainState state;
  if (resume) {
    auto ckpts = list_checkpoints(ckpt_dir);
    bool loaded = false;
    for (auto it = ckpts.rbegin(); it != ckpts.rend() && !loaded; ++it) {
      try {
        state = load_checkpoint(*it, domain_.name(), model_, &opt1, opt2.get(), &cpu_gen).state;
        reporter_.info("resumed from " + *it + " (stage " + std::to_string(state.stage) + ", step " +
                       std::to_string(state.step) + ")");
        loaded = true;
      } catch (const DataError& e) {
        reporter_.warn(std::string(e.what()) + "; trying an older checkpoint");
      }
    }
    if (!loaded) reporter_.info("--resume: no usable checkpoint in " + ckpt_dir + ", starting from scratch");
    if (!loaded) resume = false;
  }
  History history(run_dir_ + "/metrics.csv", state, resume);
  auto checkpoint = [&](const TrainState& s) {
    // Never persist a model that went non-finite: the previous checkpoint stays the last good one.
    for (auto* module : {static_cast<torch::nn::Module*>(model_.denoiser.get()), static_cast<torch::nn::Module*>(model_.ema.get())})
      for (const auto& p : module->parameters())
        if (!p.isfinite().all().item<bool>())
          throw RuntimeError("stage " + std::to_string(s.stage) + " step " + std::to_string(s.step) +
                             ": weights are not finite; not writing a checkpoint (the last good one is kept in " +
                             ckpt_dir + ")");
    save_checkpoint(ckpt_dir + "/" + checkpoint_name(s), domain_.name(), s, model_, &opt1, opt2.get(), cpu_gen);
    prune_checkpoints(ckpt_dir, o_.keep_checkpoints);
  };
  const auto t0 = std::chrono::steady_clock::now();
  auto stop_if_requested = [&](const TrainState& s) {
    if (!stop_flag_ || stop_flag_->load() == 0) return;
    checkpoint(s);
    const int sig = stop_flag_->load();
    throw InterruptedError(std::string(sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal") +
                               ": stopped after stage " + std::to_string(s.stage) + " step " + std::to_string(s.step) +
                               "; checkpoint written to " + ckpt_dir,
                           sig);
  };

  // ---- stage 1: encoder + denoiser (Alg. 1) ----
  if (state.stage == 1) {
    model_.denoiser->train();
    if (model_.encoder) model_.encoder->train();
    double loss_sum = 0;
    int64_t loss_count = 0;
    std::vector<at::Tensor> recent_codes;
    while (state.step < o_.steps) {
      auto idx = at::randint(n_data, {o_.batch_size}, cpu_gen, at::TensorOptions().dtype(at::kLong));
      Batch batch = dataset->get(idx).to(device);
      batch.size = o_.batch_size;
      auto sigma = model_.diffusion->sample_sigma(o_.batch_size, device, gen);
      Batch noisy = model_.diffusion->perturb(batch, sigma, gen);
      Latents z;
      if (model_.encoder) {
        auto enc = model_.encoder->encode(batch);
        z.codes = gumbel_softmax(enc.logits, o_.tau, o_.hard, enc.mask, gen);
        z.dropped = latent_dropout_mask(o_.batch_size, o_.p_null, device, gen);
        recent_codes.push_back(latent_argmax(enc.logits.detach(), enc.mask).to(at::kCPU));
      }
      auto pred = model_.denoiser->denoise(noisy, sigma, z);
      auto loss = model_.diffusion->loss(batch, pred, sigma).mean();
      const double loss_value = loss.item<double>();
      opt1.zero_grad();
      bool finite = std::isfinite(loss_value);
      if (finite) {
        loss.backward();
        std::vector<at::Tensor> params = model_.denoiser->parameters();
        if (model_.encoder)
          for (auto& p : model_.encoder->parameters()) params.push_back(p);
        const double norm = torch::nn::utils::clip_grad_norm_(params, o_.grad_clip > 0 ? o_.grad_clip : 1e30);
        finite = std::isfinite(norm);
        if (!finite && o_.nonfinite == "stop")
          throw RuntimeError("stage 1 step " + std::to_string(state.step + 1) +
                             ": non-finite gradient norm (loss " + fmt_double(loss_value) +
                             "); the last good checkpoint is kept in " + ckpt_dir);
      } else if (o_.nonfinite == "stop") {
        throw RuntimeError("stage 1 step " + std::to_string(state.step + 1) + ": loss is " + fmt_double(loss_value) +
                           " (non-finite); the last good checkpoint is kept in " + ckpt_dir +
                           ". Lower train.lr or set train.nonfinite = \"skip\".");
      }
      if (finite) {
        opt1.step();
        // EMA warm-up: early on the average would be dominated by the random initial weights.
        const double decay = std::min(o_.ema_decay, (1.0 + state.step) / (10.0 + state.step));
        ema_update(*model_.ema, *model_.denoiser, decay);
        loss_sum += loss_value;
        ++loss_count;
      } else {
        reporter_.warn("stage 1 step " + std::to_string(state.step + 1) + ": non-finite loss/gradient, step skipped");
      }
      ++state.step;
      reporter_.tick(state.step, o_.steps, seconds_since(t0), "stage 1");
      if (state.step % o_.log_every == 0 || state.step == o_.steps) {
        CodeUsage usage;
        if (!recent_codes.empty()) usage = code_usage(at::cat(recent_codes, 0), model_.k);
        const double mean_loss = loss_count ? loss_sum / loss_count : NAN;
        history.row(1, state.step, mean_loss, usage.codes_in_use, usage.perplexity, seconds_since(t0));
        std::string msg = "stage 1 step " + std::to_string(state.step) + "/" + std::to_string(o_.steps) +
                          " loss " + fmt_double(mean_loss);
        if (model_.encoder)
          msg += " codes in use " + std::to_string(usage.codes_in_use) + "/" + std::to_string(model_.m * model_.k) +
                 " perplexity " + fmt_double(usage.perplexity);
        reporter_.info(msg);
        loss_sum = 0;
        loss_count = 0;
        recent_codes.clear();
      }
      if (state.step % o_.checkpoint_every == 0 && state.step < o_.steps) checkpoint(state);
      if (state.step < o_.steps) stop_if_requested(state);
    }
    state = {2, 0};
    checkpoint(state);
  }

  // ---- stage 2: AR prior on latents extracted at tau -> 0 (Alg. 2) ----
  if (state.stage == 2) {
    if (model_.prior) {
      model_.encoder->eval();
      model_.prior->train();
      // Extract argmax latents for the whole training set once; the encoder is frozen in this stage.
      std::vector<at::Tensor> codes;
      std::map<std::string, std::vector<at::Tensor>> conds;
      {
        torch::NoGradGuard no_grad;
        for (int64_t start = 0; start < n_data; start += 4096) {
          auto idx = at::arange(start, std::min(n_data, start + 4096), at::TensorOptions().dtype(at::kLong));
          Batch b = dataset->get(idx).to(device);
          b.size = idx.size(0);
          auto enc = model_.encoder->encode(b);
          codes.push_back(latent_argmax(enc.logits, enc.mask));
          if (b.has("label")) conds["label"].push_back(b.at("label"));
        }
      }
      auto all_codes = at::cat(codes, 0);
      Batch all_cond;
      all_cond.size = n_data;
      for (auto& [key, list] : conds) all_cond.tensors[key] = at::cat(list, 0);
      const auto usage = code_usage(all_codes, model_.k);
      reporter_.info("stage 2: extracted latents of " + std::to_string(n_data) + " examples: codes in use " +
                     std::to_string(usage.codes_in_use) + "/" + std::to_string(model_.m * model_.k) + ", perplexity " +
                     fmt_double(usage.perplexity) +
                     (usage.codes_in_use <= model_.m ? "  [WARNING: encoder collapsed to one code per latent]" : ""));
      double loss_sum = 0;
      int64_t loss_count = 0;
      while (state.step < o_.prior_steps) {
        auto idx = at::randint(n_data, {o_.prior_batch_size}, cpu_gen, at::TensorOptions().dtype(at::kLong)).to(device);
        Batch cond = all_cond.index(idx);
        auto loss = model_.prior->nll(cond, all_codes.index_select(0, idx)).mean();
        opt2->zero_grad();
        loss.backward();
        if (o_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(model_.prior->parameters(), o_.grad_clip);
        opt2->step();
        loss_sum += loss.item<double>();
        ++loss_count;
        ++state.step;
        reporter_.tick(state.step, o_.prior_steps, seconds_since(t0), "stage 2");
        if (state.step % o_.log_every == 0 || state.step == o_.prior_steps) {
          history.row(2, state.step, loss_sum / loss_count, usage.codes_in_use, usage.perplexity, seconds_since(t0));
          reporter_.info("stage 2 step " + std::to_string(state.step) + "/" + std::to_string(o_.prior_steps) +
                         " prior nll " + fmt_double(loss_sum / loss_count) + " nats");
          loss_sum = 0;
          loss_count = 0;
        }
        if (state.step % o_.checkpoint_every == 0 && state.step < o_.prior_steps) checkpoint(state);
        if (state.step < o_.prior_steps) stop_if_requested(state);
      }
    }
    state = {3, 0};
    checkpoint(state);
  }
  if (state.stage == 3) reporter_.info("training finished in " + fmt_double(seconds_since(t0)) + " s");
}

}  // namespace disco
