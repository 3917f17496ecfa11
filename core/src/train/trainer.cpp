#include "disco/host/trainer.h"

#include <ATen/ATen.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/cuda.h>
#include <torch/optim/adam.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "disco/atomic_file.h"
#include "disco/host/checkpoint.h"
#include "disco/host/distributed.h"
#include "disco/host/ema.h"
#include "disco/error.h"
#include "disco/latents.h"
#include "distributed/reducer.h"
#include "distributed/sampler.h"
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
  o.lr_cooldown_steps = c.get_int("train.lr_cooldown_steps");
  o.tau = c.get_float("latent.tau");
  o.tau_end = c.get_float("latent.tau_end");
  o.hard = c.get_bool("latent.hard");
  o.p_null = c.get_float("latent.p_null");
  o.prior_steps = c.get_int("prior.steps");
  o.prior_batch_size = c.get_int("prior.batch_size");
  o.prior_lr = c.get_float("prior.lr");
  o.prior_lr_schedule = c.get_string("prior.lr_schedule");
  o.log_every = c.get_int("train.log_every");
  o.checkpoint_every = c.get_int("train.checkpoint_every");
  o.keep_checkpoints = c.get_int("train.keep_checkpoints");
  o.nonfinite = c.get_string("train.nonfinite");
  o.seed = uint64_t(c.get_int("seed"));
  return o;
}

double tau_at(const TrainOptions& o, int64_t step) {
  if (o.tau_end <= 0 || o.steps <= 1) return o.tau;
  const double f = std::clamp(double(step) / double(o.steps - 1), 0.0, 1.0);
  return o.tau * std::pow(o.tau_end / o.tau, f);
}

double lr_scale_at(const TrainOptions& o, int64_t step) {
  if (o.lr_cooldown_steps <= 0) return 1.0;
  const int64_t left = o.steps - step;
  return left >= o.lr_cooldown_steps ? 1.0 : double(std::max<int64_t>(left, 0)) / double(o.lr_cooldown_steps);
}

double cosine_decay(double base, int64_t step, int64_t steps) {
  return 0.5 * base * (1.0 + std::cos(M_PI * double(step) / double(std::max<int64_t>(steps, 1))));
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

// The last stage-1 step metrics.csv records (stage 1 always logs its final step), or -1: how many stage-1 steps a
// run had when its checkpoint predates TrainState::stage1_steps.
int64_t last_stage1_step_logged(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  int64_t last = -1;
  while (std::getline(in, line)) {
    long long stage = 0, step = 0;
    if (std::sscanf(line.c_str(), "%lld,%lld", &stage, &step) == 2 && stage == 1) last = std::max<int64_t>(last, step);
  }
  return last;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string fmt_double(double v) {
  std::ostringstream s;
  s.precision(5);
  s << v;
  return s.str();
}

// ---- data parallelism (docs/distributed.md); none of this runs in a single process ----

// Rows [first, first + count) of every tensor of a batch (one row per example, as Batch::index assumes).
Batch rows_of(const Batch& b, int64_t first, int64_t count) {
  Batch out;
  out.size = count;
  for (const auto& [name, t] : b.tensors) {
    if (t.defined() && (t.dim() == 0 || t.size(0) != b.size))
      throw UsageError("distributed.rng = \"global\" gives each rank its rows of the global batch, but batch tensor '" +
                       name + "' does not have one row per example (" + std::to_string(t.dim() ? t.size(0) : 0) +
                       " rows for " + std::to_string(b.size) + " examples); use distributed.rng = \"rank\"");
    out.tensors[name] = t.defined() ? t.narrow(0, first, count) : t;
  }
  return out;
}

// Gumbel-Softmax for this rank's rows of a global batch of `total` rows. The noise is drawn for the whole
// [total, m, k] tensor, as a single process with the global batch draws it, and softmax works row by row, so
// padding the other ranks' rows with zeros gives this rank exactly the single process's values.
at::Tensor gumbel_for_rows(const at::Tensor& logits, const at::Tensor& mask, int64_t first, int64_t total, double tau,
                           bool hard, c10::optional<at::Generator> gen) {
  const int64_t count = logits.size(0);
  auto pad = [&](const at::Tensor& t, bool fill) {
    auto shape = t.sizes().vec();
    shape[0] = first;
    auto before = at::full(shape, fill ? 1 : 0, t.options());
    shape[0] = total - first - count;
    auto after = at::full(shape, fill ? 1 : 0, t.options());
    return at::cat({before, t, after}, 0);
  };
  auto all = gumbel_softmax(pad(logits, false), tau, hard, mask.defined() ? pad(mask, true) : mask, gen);
  return all.narrow(0, first, count);
}

// One tiny all-reduce per step, before backward: the loss averaged over ranks (every rank then takes the same
// non-finite decision and logs the same number) and whether any rank was asked to stop (all ranks then stop
// after the same step).
struct StepAgreement {
  double mean_loss;
  int stop_signal;
};
StepAgreement agree_on_step(Communicator& comm, double local_loss, int local_signal) {
  auto t = at::tensor({local_loss, local_signal != 0 ? 1.0 : 0.0}, at::TensorOptions().dtype(at::kDouble));
  comm.allreduce_sum(t, "per-step loss all-reduce");
  const bool stop = t[1].item<double>() > 0;
  return {t[0].item<double>() / comm.size(), stop ? (local_signal != 0 ? local_signal : SIGTERM) : 0};
}

// Ranks hold bitwise-identical weights (same averaged gradients, same optimizer state); a difference is a bug
// and must not go unnoticed into a checkpoint.
void check_ranks_in_sync(Communicator& comm, const std::vector<at::Tensor>& params, const TrainState& s) {
  torch::NoGradGuard no_grad;
  double sum = 0, squares = 0;
  for (const auto& p : params) {
    auto d = p.detach().to(at::kCPU, at::kDouble);
    sum += d.sum().item<double>();
    squares += d.pow(2).sum().item<double>();
  }
  auto mine = at::tensor({sum, squares}, at::TensorOptions().dtype(at::kDouble));
  auto theirs = mine.clone();
  comm.broadcast(theirs, 0, "parameter check");
  if (!at::equal(mine, theirs))
    throw RuntimeError("rank " + std::to_string(comm.rank()) + ": stage " + std::to_string(s.stage) + " step " +
                       std::to_string(s.step) + ": weights differ from rank 0's (checksum " + fmt_double(sum) + " vs " +
                       fmt_double(theirs[0].item<double>()) + "); the ranks went out of step");
}

constexpr uint64_t kRankStreams = 0x72616e6bull;  // "rank"

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

  // Data parallelism. With distributed.rng = "global" (the default) every rank draws the random numbers of the
  // whole global batch (world x batch) from the shared seed, exactly as one process with that batch would, and
  // keeps its own rows [rank x batch, (rank + 1) x batch); so N ranks x B follow 1 process x N*B, and a checkpoint
  // resumes with another world size. With "rank" each rank loads only its rows and draws from its own stream,
  // reseeded each step from (seed, rank, stage, step). A single process takes none of these branches.
  Communicator* comm = comm_ && comm_->size() > 1 ? comm_.get() : nullptr;
  const int world = comm ? comm->size() : 1;
  const int rank = comm ? comm->rank() : 0;
  const bool main_rank = rank == 0;
  const DistributedOptions dist = distributed_options_from_config(config_);
  const bool rank_streams = dist.rng == "rank";
  auto reseed_rank_streams = [&](int64_t stage, int64_t step) {
    const uint64_t s = mix_seed(o_.seed, kRankStreams, (uint64_t(rank) << 8) | uint64_t(stage), uint64_t(step));
    cpu_gen.set_current_seed(s);
    at::Generator global = at::detail::getDefaultCPUGenerator();  // a handle: modules draw dropout from it
    global.set_current_seed(s);
    if (!device.is_cpu()) torch::cuda::manual_seed_all(s);
  };

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
  bool extending = false;
  bool retraining = false;  // --retrain-prior
  if (resume) {
    auto ckpts = list_checkpoints(ckpt_dir);
    bool loaded = false;
    std::string newest_error;
    for (auto it = ckpts.rbegin(); it != ckpts.rend() && !loaded; ++it) {
      try {
        const CheckpointContents contents = load_checkpoint(*it, domain_.name(), model_, &opt1, opt2.get(), &cpu_gen);
        state = contents.state;
        reporter_.info("resumed from " + *it + " (stage " + std::to_string(state.stage) + ", step " +
                       std::to_string(state.step) + ")");
        if (contents.ema_encoder_from_encoder)
          reporter_.info("train.ema_encoder: the checkpoint has no EMA encoder; it starts from the trained encoder");
        loaded = true;
      } catch (const DataError& e) {
        if (newest_error.empty()) newest_error = e.what();
        reporter_.warn(std::string(e.what()) + "; trying an older checkpoint");
      }
    }
    // Starting from scratch here would soon delete the checkpoints that did not load (a typo in an architecture
    // key would wipe the run), so that is refused (--retrain-prior below says so in its own words).
    if (!loaded && !ckpts.empty() && !retrain_prior_)
      throw UsageError("--resume: none of the " + std::to_string(ckpts.size()) + " checkpoints in " + ckpt_dir +
                       " loads with this config (newest: " + newest_error +
                       "); fix the config, or move the checkpoints away to start this run from scratch");
    if (!loaded) reporter_.info("--resume: no checkpoint in " + ckpt_dir + ", starting from scratch");
    if (!loaded) resume = false;
    if (loaded && state.stage > 1 && state.stage1_steps < 0)
      state.stage1_steps = last_stage1_step_logged(run_dir_ + "/metrics.csv");
    // Extending a run: a train.steps above the stage-1 steps it has had sends it back to stage 1 with its weights,
    // EMA and optimizer state, then through stage 2 again, since the latents the prior learnt have moved.
    if (loaded && state.stage > 1 && state.stage1_steps >= 0 && o_.steps > state.stage1_steps) {
      reporter_.info("train.steps = " + std::to_string(o_.steps) + " is above the " +
                     std::to_string(state.stage1_steps) + " stage-1 steps this run has had: stage 1 goes on from there" +
                     (model_.prior ? ", then the prior is trained again on the new latents" : std::string()));
      state = {1, state.stage1_steps, state.stage1_steps};
      extending = true;
    }
    if (retrain_prior_) {
      if (!model_.prior) throw UsageError("--retrain-prior: this run has no prior (latent.m = 0)");
      if (extending) throw UsageError("--retrain-prior with a larger train.steps: the extension trains the prior again anyway; drop --retrain-prior");
      if (!loaded && !ckpts.empty())
        throw UsageError("--retrain-prior: none of the checkpoints in " + ckpt_dir + " fits the model this config "
                         "builds (warnings above); change only the prior's training keys (prior.steps, prior.lr, "
                         "prior.lr_schedule, prior.batch_size)");
      if (!loaded || state.stage < 2)
        throw UsageError("--retrain-prior: " + run_dir_ + " has not finished stage 1" +
                         (loaded ? " (at step " + std::to_string(state.step) + "); resume it first" : " (no checkpoint)"));
      // Fresh weights and batches from generators of their own (the same every time for this seed, whatever the
      // run went through before), and a fresh optimizer.
      torch::manual_seed(mix_seed(o_.seed, 2, 0xA11CE));
      cpu_gen.set_current_seed(mix_seed(o_.seed, 2, 0xA11CF));
      const auto fresh = Model::build_prior(domain_, config_)->named_parameters(true);
      torch::NoGradGuard no_grad;
      // The same config built the prior the checkpoint was just loaded into, so every name and shape matches.
      for (auto& p : model_.prior->named_parameters(true)) p.value().copy_(fresh[p.key()]);
      opt2 = std::make_unique<torch::optim::Adam>(model_.prior->parameters(), torch::optim::AdamOptions(o_.prior_lr));
      reporter_.info("--retrain-prior: stage 2 again from fresh prior weights (" + std::to_string(o_.prior_steps) +
                     " steps, lr " + fmt_double(o_.prior_lr) + ", schedule " + o_.prior_lr_schedule + ")");
      state = {2, 0, state.stage1_steps};
      retraining = true;
    }
  }
  std::vector<at::Tensor> stage1_params = model_.denoiser->parameters();
  if (model_.encoder)
    for (auto& p : model_.encoder->parameters()) stage1_params.push_back(p);
  if (comm) {
    // Every rank must continue from the same place: the run directory has to be shared (or copied) between nodes.
    auto where = at::tensor({state.stage, state.step}, at::TensorOptions().dtype(at::kLong));
    auto rank0 = where.clone();
    comm->broadcast(rank0, 0, "resume check");
    if (!at::equal(where, rank0))
      throw RuntimeError("rank " + std::to_string(rank) + " starts at stage " + std::to_string(state.stage) + " step " +
                         std::to_string(state.step) + " but rank 0 at stage " + std::to_string(rank0[0].item<int64_t>()) +
                         " step " + std::to_string(rank0[1].item<int64_t>()) + ": every rank must see the same run "
                         "directory (" + run_dir_ + ") and its checkpoints, e.g. on a shared filesystem");
    for (auto* module : {static_cast<torch::nn::Module*>(model_.denoiser.get()),
                         static_cast<torch::nn::Module*>(model_.encoder.get()),
                         static_cast<torch::nn::Module*>(model_.ema_encoder.get()),
                         static_cast<torch::nn::Module*>(model_.prior.get())})
      if (module) comm->broadcast_module(*module);
    if (main_rank)
      reporter_.info("data-parallel: " + std::to_string(world) + " ranks (" + comm->backend() + ") x batch " +
                     std::to_string(o_.batch_size) + " = effective batch " + std::to_string(world * o_.batch_size) +
                     (model_.prior ? " (stage 2: " + std::to_string(world * o_.prior_batch_size) + ")" : std::string()) +
                     "; rng " + dist.rng + ", sampler " + dist.sampler);
  }
  // Only rank 0 writes metrics.csv and checkpoints, and keeps the EMA.
  std::optional<History> history;
  if (main_rank) history.emplace(run_dir_ + "/metrics.csv", state, resume);
  auto checkpoint = [&](const TrainState& s) {
    if (comm) {
      std::vector<at::Tensor> all = stage1_params;
      if (model_.prior)
        for (auto& p : model_.prior->parameters()) all.push_back(p);
      check_ranks_in_sync(*comm, all, s);
    }
    if (!main_rank) return;
    // Never persist a model that went non-finite: the previous checkpoint stays the last good one.
    for (auto* module : {static_cast<torch::nn::Module*>(model_.denoiser.get()), static_cast<torch::nn::Module*>(model_.ema.get())})
      for (const auto& p : module->parameters())
        if (!p.isfinite().all().item<bool>())
          throw RuntimeError("stage " + std::to_string(s.stage) + " step " + std::to_string(s.step) +
                             ": weights are not finite; not writing a checkpoint (the last good one is kept in " +
                             ckpt_dir + ")");
    save_checkpoint(ckpt_dir + "/" + checkpoint_name(s), domain_.name(), s, model_, &opt1, opt2.get(), cpu_gen);
    remove_checkpoints_after(ckpt_dir, s);  // only once this one is safely written
    prune_checkpoints(ckpt_dir, o_.keep_checkpoints);
  };
  // The extension's starting point as a stage-1 checkpoint, at once: it replaces the finished run's checkpoints, so
  // a stop from here on resumes the extension (and never again from a count read from metrics.csv, which the
  // extension's own rows change). A prior being retrained starts the same way, as a stage-2 checkpoint at step 0.
  if (extending || retraining) checkpoint(state);
  const auto t0 = std::chrono::steady_clock::now();
  int agreed_stop = 0;  // distributed: the signal the ranks agreed on in this step's all-reduce
  auto local_stop = [&] { return stop_flag_ ? stop_flag_->load() : 0; };
  auto stop_if_requested = [&](const TrainState& s) {
    if (comm ? agreed_stop == 0 : (!stop_flag_ || stop_flag_->load() == 0)) return;
    checkpoint(s);
    const int sig = comm ? agreed_stop : stop_flag_->load();
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
    std::optional<EpochSampler> sampler;
    if (dist.sampler == "epoch") sampler.emplace(n_data, o_.batch_size, world, rank, o_.seed);
    std::unique_ptr<GradientReducer> reducer;
    if (comm) reducer = std::make_unique<GradientReducer>(*comm, stage1_params, dist.bucket_mb);
    // Rows this rank draws, and where its own rows start among them (only rng = global draws for all ranks).
    const int64_t drawn = comm && !rank_streams ? world * o_.batch_size : o_.batch_size;
    const int64_t first = drawn == o_.batch_size ? 0 : rank * o_.batch_size;
    auto epoch_indices = [&](int64_t step) {
      return drawn == o_.batch_size ? sampler->local_indices(step) : sampler->global_indices(step);
    };
    while (state.step < o_.steps) {
      if (rank_streams) reseed_rank_streams(1, state.step);
      auto idx = sampler ? epoch_indices(state.step)
                         : at::randint(n_data, {drawn}, cpu_gen, at::TensorOptions().dtype(at::kLong));
      dataset->begin_step(1, state.step);
      Batch batch = dataset->get(idx).to(device);
      // The epoch sampler knows the next batch (a function of the step alone), so a streaming dataset can load it
      // while this step computes. The random sampler's next draw depends on the generator: no hint, so that the
      // random stream stays exactly as it was.
      if (sampler && state.step + 1 < o_.steps) dataset->prefetch(epoch_indices(state.step + 1));
      batch.size = drawn;
      auto sigma = model_.diffusion->sample_sigma(drawn, device, gen);
      Batch noisy = model_.diffusion->perturb(batch, sigma, gen);
      if (drawn != o_.batch_size) {
        batch = rows_of(batch, first, o_.batch_size);
        noisy = rows_of(noisy, first, o_.batch_size);
        sigma = sigma.narrow(0, first, o_.batch_size);
      }
      Latents z;
      if (model_.encoder) {
        auto enc = model_.encoder->encode(batch);
        const double tau = tau_at(o_, state.step);
        z.codes = drawn == o_.batch_size ? gumbel_softmax(enc.logits, tau, o_.hard, enc.mask, gen)
                                         : gumbel_for_rows(enc.logits, enc.mask, first, drawn, tau, o_.hard, gen);
        z.dropped = latent_dropout_mask(drawn, o_.p_null, device, gen);
        if (drawn != o_.batch_size) z.dropped = z.dropped.narrow(0, first, o_.batch_size);
        recent_codes.push_back(latent_argmax(enc.logits.detach(), enc.mask).to(at::kCPU));
      }
      auto pred = model_.denoiser->denoise(noisy, sigma, z);
      auto loss = model_.diffusion->training_loss(batch, noisy, pred, sigma).mean();
      double loss_value = loss.item<double>();
      if (comm) {
        const auto agreed = agree_on_step(*comm, loss_value, local_stop());
        loss_value = agreed.mean_loss;
        agreed_stop = agreed.stop_signal;
      }
      opt1.zero_grad();
      bool finite = std::isfinite(loss_value);
      if (finite) {
        if (reducer) reducer->begin(loss);
        loss.backward();
        if (reducer) reducer->finish();  // every .grad is now the average over ranks
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
        // Set every step, not only in the cool-down: a checkpoint brings back the rates it was written with.
        const double scale = lr_scale_at(o_, state.step);
        auto& groups1 = opt1.param_groups();
        for (size_t g = 0; g < groups1.size(); ++g)  // group 0: the denoiser, group 1: the encoder
          static_cast<torch::optim::AdamOptions&>(groups1[g].options()).lr(scale * (g == 0 ? o_.lr : o_.encoder_lr));
        opt1.step();
        // EMA warm-up: early on the average would be dominated by the random initial weights.
        const double decay = std::min(o_.ema_decay, (1.0 + state.step) / (10.0 + state.step));
        if (main_rank) ema_update(*model_.ema, *model_.denoiser, decay);
        // Every rank keeps the encoder's EMA: each extracts stage 2's latents with it.
        if (model_.ema_encoder) ema_update(*model_.ema_encoder, *model_.encoder, decay);
        loss_sum += loss_value;
        ++loss_count;
      } else {
        reporter_.warn("stage 1 step " + std::to_string(state.step + 1) + ": non-finite loss/gradient, step skipped");
      }
      ++state.step;
      reporter_.tick(state.step, o_.steps, seconds_since(t0), "stage 1");
      if (state.step % o_.log_every == 0 || state.step == o_.steps) {
        CodeUsage usage;
        if (!recent_codes.empty()) {
          auto codes = at::cat(recent_codes, 0);
          if (comm) codes = comm->allgather_cat(codes, "code-usage all-gather");  // every rank's examples
          usage = code_usage(codes, model_.k);
        }
        const double mean_loss = loss_count ? loss_sum / loss_count : NAN;
        if (history) history->row(1, state.step, mean_loss, usage.codes_in_use, usage.perplexity, seconds_since(t0));
        std::string msg = "stage 1 step " + std::to_string(state.step) + "/" + std::to_string(o_.steps) +
                          " loss " + fmt_double(mean_loss);
        if (model_.encoder)
          msg += " codes in use " + std::to_string(usage.codes_in_use) + "/" + std::to_string(model_.m * model_.k) +
                 " perplexity " + fmt_double(usage.perplexity);
        reporter_.info(msg);
        if (reducer && state.step == o_.log_every)  // once: how much of the all-reduce overlapped backward
          reporter_.info("gradient all-reduce: " + std::to_string(reducer->bucket_count()) + " bucket(s) of <= " +
                         fmt_double(dist.bucket_mb) + " MB; in the last step " +
                         std::to_string(reducer->launched_during_backward()) + " started before backward had finished");
        loss_sum = 0;
        loss_count = 0;
        recent_codes.clear();
      }
      if (state.step % o_.checkpoint_every == 0 && state.step < o_.steps) checkpoint(state);
      if (state.step < o_.steps) stop_if_requested(state);
    }
    state = {2, 0, state.step};
    checkpoint(state);
  }

  // ---- stage 2: AR prior on latents extracted at tau -> 0 (Alg. 2) ----
  if (state.stage == 2) {
    if (model_.prior) {
      const auto& encoder = model_.inference_encoder();
      encoder->eval();
      model_.prior->train();
      // Extract argmax latents for the whole training set once; the encoder is frozen in this stage.
      std::vector<at::Tensor> codes;
      std::map<std::string, std::vector<at::Tensor>> conds;
      {
        torch::NoGradGuard no_grad;
        dataset->begin_step(2, -1);
        // Whole examples are heavy (graphs): extract them a training batch at a time.
        const int64_t chunk = model_.prior->conditions_on_examples() ? o_.batch_size : 4096;
        auto chunk_indices = [&](int64_t start) {
          return at::arange(start, std::min(n_data, start + chunk), at::TensorOptions().dtype(at::kLong));
        };
        for (int64_t start = 0; start < n_data; start += chunk) {
          auto idx = chunk_indices(start);
          Batch b = dataset->get(idx).to(device);
          if (start + chunk < n_data) dataset->prefetch(chunk_indices(start + chunk));  // the chunks come in order
          b.size = idx.size(0);
          auto enc = encoder->encode(b);
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
      std::optional<EpochSampler> sampler;
      if (dist.sampler == "epoch") sampler.emplace(n_data, o_.prior_batch_size, world, rank, mix_seed(o_.seed, 2));
      std::unique_ptr<GradientReducer> reducer;
      if (comm) reducer = std::make_unique<GradientReducer>(*comm, model_.prior->parameters(), dist.bucket_mb);
      const int64_t drawn = comm && !rank_streams ? world * o_.prior_batch_size : o_.prior_batch_size;
      const int64_t first = drawn == o_.prior_batch_size ? 0 : rank * o_.prior_batch_size;
      // This rank's rows of a step under the epoch sampler.
      auto epoch_indices = [&](int64_t step) {
        return drawn == o_.prior_batch_size ? sampler->local_indices(step)
                                            : sampler->global_indices(step).narrow(0, first, o_.prior_batch_size);
      };
      while (state.step < o_.prior_steps) {
        if (rank_streams) reseed_rank_streams(2, state.step);
        // The raw denoiser, not the EMA: every rank holds the same one.
        model_.prior->before_training_step(state.step, *model_.denoiser);
        auto idx = sampler ? epoch_indices(state.step)
                           : at::randint(n_data, {drawn}, cpu_gen, at::TensorOptions().dtype(at::kLong));
        if (!sampler && drawn != o_.prior_batch_size) idx = idx.narrow(0, first, o_.prior_batch_size);
        Batch cond;
        if (model_.prior->conditions_on_examples()) {
          dataset->begin_step(2, state.step);
          cond = dataset->get(idx).to(device);
          // As in stage 1: only the epoch sampler knows the next batch.
          if (sampler && state.step + 1 < o_.prior_steps) dataset->prefetch(epoch_indices(state.step + 1));
          cond.size = idx.size(0);
          idx = idx.to(device);
        } else {
          idx = idx.to(device);
          cond = all_cond.index(idx);
        }
        auto loss = model_.prior->nll(cond, all_codes.index_select(0, idx)).mean();
        double loss_value = 0;
        if (comm) {
          const auto agreed = agree_on_step(*comm, loss.item<double>(), local_stop());
          loss_value = agreed.mean_loss;
          agreed_stop = agreed.stop_signal;
        }
        opt2->zero_grad();
        if (reducer) reducer->begin(loss);
        loss.backward();
        if (reducer) reducer->finish();
        if (o_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(model_.prior->parameters(), o_.grad_clip);
        if (o_.prior_lr_schedule == "cosine") {
          const double lr = cosine_decay(o_.prior_lr, state.step, o_.prior_steps);
          for (auto& group : opt2->param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
        }
        opt2->step();
        loss_sum += comm ? loss_value : loss.item<double>();
        ++loss_count;
        ++state.step;
        reporter_.tick(state.step, o_.prior_steps, seconds_since(t0), "stage 2");
        if (state.step % o_.log_every == 0 || state.step == o_.prior_steps) {
          if (history) history->row(2, state.step, loss_sum / loss_count, usage.codes_in_use, usage.perplexity, seconds_since(t0));
          reporter_.info("stage 2 step " + std::to_string(state.step) + "/" + std::to_string(o_.prior_steps) +
                         " prior nll " + fmt_double(loss_sum / loss_count) + " nats");
          loss_sum = 0;
          loss_count = 0;
        }
        if (state.step % o_.checkpoint_every == 0 && state.step < o_.prior_steps) checkpoint(state);
        if (state.step < o_.prior_steps) stop_if_requested(state);
      }
    }
    state = {3, 0, state.stage1_steps};
    checkpoint(state);
  }
  if (state.stage == 3) reporter_.info("training finished in " + fmt_double(seconds_since(t0)) + " s");
}

}  // namespace disco
