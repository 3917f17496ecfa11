// The three networks of DisCo-DiffDock (paper App. E), each an SE(3)-equivariant score model
// (equivariant/score_model.h) over the joint graph of one batch:
//   - DockingDenoiser: the score network. Scores of the noisy pose at time t, scaled as DiffDock does
//     (translation / sigma_tr, rotation and torsion times the square root of their expected squared score
//     norm), packed into [B, L, 3] (pose_diffusion.h). Latents arrive as per-node flag weights (the one-hot or
//     relaxed code of each node), so training reaches the encoder through the Gumbel-Softmax.
//   - DockingEncoder: the same kind of network on the crystal pose (t = 0); one logit per node and latent,
//     returned as [B, m, k] over the first k nodes of each example with a mask.
//   - DockingPrior: an autoregressive prior over the m node indices: the network runs on the ligand placed at
//     the pocket centre with random torsions and orientation (the batch's prior_pos, fixed per example), with
//     the latents already chosen given as node flags, and reads latent j's node logits. Its network is either
//     its own, smaller one (model.prior_backbone = "own", model.prior_*), or, as in the paper, a copy of the
//     trained denoiser's layers ("denoiser"): copied at the first stage-2 step, frozen for
//     model.prior_freeze_steps steps while only the latent heads learn, then tuned with them.
#pragma once
#include <memory>

#include "disco/denoiser.h"
#include "disco/encoder.h"
#include "disco/prior.h"
#include "docking_settings.h"
#include "joint_graph.h"

namespace disco::docking {

class DockingDenoiser : public Denoiser {
 public:
  explicit DockingDenoiser(const DockingSettings& settings);
  at::Tensor denoise(const Batch& noisy, const at::Tensor& t, const Latents& z) override;
  // What denoise() gives the score network: the joint graph of the noisy batch at time t with the latents as
  // node flags (the null embedding when z is empty).
  FlatJointGraph graph_of(const Batch& noisy, const at::Tensor& t, const Latents& z) const;
  // The score network alone (bench/disco_bench_docking times its forward without the graph building).
  equivariant::ScoreModel& network() { return net_; }

 private:
  DockingSettings settings_;
  equivariant::ScoreModel net_{nullptr};
};

class DockingEncoder : public Encoder {
 public:
  explicit DockingEncoder(const DockingSettings& settings);
  EncoderOutput encode(const Batch& clean) override;

 private:
  DockingSettings settings_;
  equivariant::ScoreModel net_{nullptr};
};

class DockingPrior : public Prior {
 public:
  explicit DockingPrior(const DockingSettings& settings);
  at::Tensor sample(const Batch& cond, int64_t n, double temperature, int64_t top_k,
                    c10::optional<at::Generator> gen) override;
  at::Tensor nll(const Batch& cond, const at::Tensor& z) override;
  bool conditions_on_examples() const override { return true; }
  // prior_backbone = "denoiser": at step 0 copies every parameter but the latent heads from `trained` (a
  // DockingDenoiser of the same size); those parameters train only from step prior_freeze_steps on.
  void before_training_step(int64_t step, const Denoiser& trained) override;

 private:
  // Logits [B, k] of latent j given the chosen nodes of latents < j (z: [B, >= j] int64), and the mask.
  std::pair<at::Tensor, at::Tensor> logits_of(const Batch& cond, const at::Tensor& z, int64_t j);
  DockingSettings settings_;
  equivariant::ScoreModel net_{nullptr};
  bool prepared_ = false;  // before_training_step has run (prior_backbone = "denoiser")
};

}  // namespace disco::docking
