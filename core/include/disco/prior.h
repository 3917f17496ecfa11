// Prior p(z | c) over the discrete latents (paper Sec. 3.2, stage 2).
#pragma once
#include <ATen/core/Tensor.h>
#include <ATen/core/Generator.h>
#include <torch/nn/module.h>

#include <optional>

#include "disco/batch.h"

namespace disco {

class Denoiser;

class Prior : public torch::nn::Module {
 public:
  // n latent vectors [n, m] int64. cond: conditions for the n samples (e.g. "label"), may be empty.
  // temperature scales the logits (logits / T); top_k > 0 keeps only the k most likely codes per step.
  virtual at::Tensor sample(const Batch& cond, int64_t n, double temperature, int64_t top_k,
                            c10::optional<at::Generator> gen) = 0;
  // Negative log-likelihood in nats per example [B] of latents z [B, m].
  virtual at::Tensor nll(const Batch& cond, const at::Tensor& z) = 0;
  // false (the core's AR prior): `cond` holds only the class label, if any. true: `cond` is the whole
  // example as the dataset returns it (docking: the latents index the nodes of that example's graph), and
  // stage 2 reads the dataset again for every batch.
  virtual bool conditions_on_examples() const { return false; }
  // Stage 2 calls this before each of its steps (0 first; after a resume, from the resumed step) with the
  // denoiser stage 1 trained. A prior built on the denoiser's own layers (docking, as in the paper) copies
  // them at step 0 and decides here which of its parameters train at this step (frozen first, then tuned).
  virtual void before_training_step(int64_t step, const Denoiser& trained) {
    (void)step;
    (void)trained;
  }
};

}  // namespace disco
