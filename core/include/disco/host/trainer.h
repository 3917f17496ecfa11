// Two-stage DisCo-Diff training (paper Alg. 1 and 2).
//  Stage 1: encoder + denoiser end to end on the denoising loss (Eq. 3): z ~ GumbelSoftmax(E(y), tau),
//           replaced by the null embedding with probability p_null; Adam, grad clipping, EMA.
//  Stage 2: latents extracted at tau -> 0 (argmax) from the frozen encoder; AR prior on cross-entropy.
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "disco/config.h"
#include "disco/domain.h"
#include "disco/model.h"
#include "disco/progress.h"

namespace disco {

class Communicator;

struct TrainOptions {
  int64_t steps = 1000;
  int64_t batch_size = 512;
  double lr = 1e-3;
  double encoder_lr = 1e-3;
  double ema_decay = 0.999;
  double grad_clip = 1.0;      // max global grad norm; 0 = off
  int64_t lr_cooldown_steps = 0;  // > 0: stage-1 learning rates fall linearly to 0 over the last this many steps
  double tau = 1.0;            // Gumbel-Softmax temperature
  double tau_end = 0.0;        // > 0: geometric anneal from tau to tau_end over stage 1 (tau_at(step))
  bool hard = false;           // straight-through hard sample instead of the soft relaxation
  double p_null = 0.1;         // latent dropout to the null embedding
  int64_t prior_steps = 1000;
  int64_t prior_batch_size = 512;
  double prior_lr = 1e-3;
  std::string prior_lr_schedule = "constant";  // or "cosine" (to 0 at prior_steps)
  int64_t log_every = 100;
  int64_t checkpoint_every = 1000;
  int64_t keep_checkpoints = 3;
  std::string nonfinite = "stop";  // "stop" | "skip": what a NaN/inf loss does
  uint64_t seed = 0;
};

// The stage-1 Gumbel-Softmax temperature at `step` (0-based) of `steps`: constant tau, or tau * (tau_end /
// tau)^(step / (steps - 1)) when tau_end > 0.
double tau_at(const TrainOptions& options, int64_t step);

// Cosine learning-rate decay from `base` at step 0 to 0 at `steps`, a function of the step alone (so a
// resumed run follows the same schedule).
double cosine_decay(double base, int64_t step, int64_t steps);

// The factor on the stage-1 learning rates at `step` (0-based): 1, and over the last lr_cooldown_steps of
// `steps` a linear fall, (steps - step) / lr_cooldown_steps, reaching 1 / lr_cooldown_steps at the last step.
// A function of the step alone, so a resumed run follows it exactly and an extended run cools down at its new end.
double lr_scale_at(const TrainOptions& options, int64_t step);

TrainOptions train_options_from_config(const Config& config);

class Trainer {
 public:
  Trainer(const Domain& domain, const Config& config, Model& model, std::string run_dir, Reporter reporter);
  // Runs (or, with resume, continues from the newest good checkpoint) both stages to the end.
  void run(bool resume);
  // When *flag becomes non-zero (a signal number, set by the caller's signal handler), the trainer finishes
  // the current step, writes a checkpoint and throws InterruptedError(signal).
  void set_stop_flag(const std::atomic<int>* flag) { stop_flag_ = flag; }
  // With resume: train the prior again from fresh weights (stage 2 from step 0, with the config's prior.*
  // settings) on the finished run's latents; the encoder and denoiser are kept as they are.
  void set_retrain_prior(bool on) { retrain_prior_ = on; }
  // Data-parallel training over the ranks of `comm` (disco/host/distributed.h): batch sizes are per rank, gradients
  // are averaged over ranks, and only rank 0 keeps the EMA and writes checkpoints and metrics. Without one (or
  // with one rank) the trainer runs exactly as a single process always did.
  void set_communicator(std::shared_ptr<Communicator> comm) { comm_ = std::move(comm); }

 private:
  const Domain& domain_;
  const Config& config_;
  Model& model_;
  std::string run_dir_;
  Reporter reporter_;
  TrainOptions o_;
  const std::atomic<int>* stop_flag_ = nullptr;
  bool retrain_prior_ = false;
  std::shared_ptr<Communicator> comm_;
};

}  // namespace disco
