// Domain: what a plugin registers for one data modality. The core trains, samples and checkpoints any
// domain through this interface alone; a new modality is one plugin implementing it.
#pragma once
#include <ATen/core/Tensor.h>
#include <ATen/core/Generator.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "disco/batch.h"
#include "disco/config.h"
#include "disco/denoiser.h"
#include "disco/diffusion.h"
#include "disco/encoder.h"
#include "disco/prior.h"
#include "disco/progress.h"

namespace disco {

struct Model;
struct SampleSet;
struct GenerateOptions;

// A finite dataset addressed by index. get() returns the rows `indices` as a Batch holding at least the
// Diffusion's state key; optional keys (e.g. "label") are conditions.
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual Batch get(const at::Tensor& indices) const = 0;
  // A hint that get(indices) will be called next with exactly these indices: a dataset may start producing that
  // batch in the background (a streaming image folder decodes it while the model trains on the current one).
  // get() must return the same result whether or not prefetch was called. The trainer calls it only when the
  // next batch is known in advance (distributed.sampler = "epoch"); the default does nothing.
  virtual void prefetch(const at::Tensor& indices) const { (void)indices; }
  // Called by the trainer before it fetches each step's batch, with the stage (1 or 2) and the step about to run
  // (stage 2: also once, with step -1, before the latents of the whole set are extracted). A dataset with random
  // augmentation reseeds it from (its seed, stage, step), so that a resumed run draws what an uninterrupted one
  // does. The default does nothing.
  virtual void begin_step(int64_t stage, int64_t step) const { (void)stage; (void)step; }
};

// Named scalar results, in the order they should be shown.
using Metrics = std::vector<std::pair<std::string, double>>;

// What a domain's evaluate() can use: the trained model, a sampler entry point and where to write files.
struct EvalContext {
  const Config& config;
  Model& model;
  std::string run_dir;
  const Reporter& reporter;
  // Generates samples with the run's sampler settings (overridable through `options`).
  std::function<SampleSet(const GenerateOptions& options)> generate;
  // The default generate options from the config (sampler, steps, cfg, prior temperature, seed...).
  std::function<GenerateOptions()> default_options;
};

class Domain {
 public:
  virtual ~Domain() = default;
  virtual std::string name() const = 0;
  virtual std::string description() const = 0;
  // The domain's schema (TOML, see config.h); keys are merged with schemas/core.toml.
  virtual std::string schema() const = 0;

  // split: "train" or "test".
  virtual std::unique_ptr<Dataset> make_dataset(const Config& config, const std::string& split) const = 0;
  // Encoder producing [B, m, k] logits; only called when latent.m > 0.
  virtual std::shared_ptr<Encoder> make_encoder(const Config& config) const = 0;
  virtual std::shared_ptr<Denoiser> make_denoiser(const Config& config) const = 0;
  // The prior over the latents (stage 2); only called when latent.m > 0. Default: null, and Model::build
  // makes the core's AR Transformer from the [prior] keys. A domain whose latents depend on the example
  // (docking: each latent picks a node of that example's graph) brings its own.
  virtual std::shared_ptr<Prior> make_prior(const Config& config) const;
  // Default: EdmDiffusion from the core's [diffusion] keys.
  virtual std::shared_ptr<Diffusion> make_diffusion(const Config& config) const;

  // Shape of one state (e.g. {2} for 2-D points, {C, H, W} for images).
  virtual std::vector<int64_t> state_shape(const Config& config) const = 0;
  // Conditions for n generated samples (e.g. class labels); default: none.
  virtual Batch sample_conditions(const Config& config, int64_t n, c10::optional<at::Generator> gen) const;
  // Number of classes the prior conditions on (0 = unconditional); default 0.
  virtual int64_t num_classes(const Config& config) const;

  // Writes samples in the field's format (CSV, PNG, SDF...) at `path_stem` + extension(s); returns the
  // paths written.
  virtual std::vector<std::string> write_samples(const Config& config, const SampleSet& samples,
                                                 const std::string& path_stem) const = 0;
  // Domain metrics (and plots under ctx.run_dir); called by `disco eval`.
  virtual Metrics evaluate(EvalContext& ctx) const = 0;
};

}  // namespace disco
