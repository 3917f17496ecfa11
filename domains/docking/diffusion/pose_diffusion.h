// The docking domain's Diffusion: DiffDock's product-space process over ligand poses, R^3 x SO(3) x T^n
// (diffusion/pose_sampler_step.h), behind the core's Diffusion interface so that the core's trainer
// trains it like any other domain.
//
// "sigma" in the core's interface is the diffusion time t in [0, 1] here; each component has its own
// geometric sigma(t). perturb() applies a pose noise draw to the crystal pose (torsions, then the rigid
// motion about the ligand centre, with the torsion change superposed back so the parts stay decoupled) and
// stores the denoising-score-matching targets in the noisy batch: tr_score [B,3], rot_score [B,3],
// tor_score [B,T]. training_loss() reads them from there (loss() alone cannot, and refuses).
//
// The denoiser's output packs the three scores into the state's shape [B, L, 3]: row 0 the translation
// score, row 1 the rotation score, rows 2.. column 0 the torsion scores (L >= T + 2 always holds).
// Sampling uses dock_poses() (pose_sampler.h), not the core's Euclidean samplers.
#pragma once
#include "disco/diffusion.h"
#include "diffusion/sigma_schedule.h"

namespace disco::docking {

// Times outside [0, 1] are clamped to it.
struct ComponentSigmas {
  at::Tensor translation, rotation, torsion;  // (B,) each
};
ComponentSigmas component_sigmas(const equivariant::ProductSpaceSchedule& schedule, const at::Tensor& t);

// Packs scores (B,3), (B,3), (B,T) into [B, L, 3] and back.
at::Tensor pack_scores(const at::Tensor& translation, const at::Tensor& rotation, const at::Tensor& torsion, int64_t L);
struct PackedScores {
  at::Tensor translation, rotation, torsion;
};
PackedScores unpack_scores(const at::Tensor& packed);

class PoseDiffusion : public Diffusion {
 public:
  PoseDiffusion(equivariant::ProductSpaceSchedule schedule, double t_min) : schedule_(schedule), t_min_(t_min) {}
  std::string name() const override { return "product-space (R3 x SO(3) x torsions)"; }
  const std::string& state_key() const override { return key_; }
  at::Tensor sample_sigma(int64_t batch, const c10::Device& device, c10::optional<at::Generator> gen) const override;
  Batch perturb(const Batch& clean, const at::Tensor& t, c10::optional<at::Generator> gen) const override;
  at::Tensor loss(const Batch& clean, const at::Tensor& prediction, const at::Tensor& t) const override;
  at::Tensor training_loss(const Batch& clean, const Batch& noisy, const at::Tensor& prediction,
                           const at::Tensor& t) const override;
  double sigma_min() const override { return 0.0; }
  double sigma_max() const override { return 1.0; }
  at::Tensor sample_prior(int64_t n, const std::vector<int64_t>& state_shape, double sigma_max,
                          const c10::Device& device, c10::optional<at::Generator> gen) const override;
  at::Tensor ode_derivative(const at::Tensor& x, const at::Tensor& denoised, double sigma) const override;
  const equivariant::ProductSpaceSchedule& schedule() const { return schedule_; }

 private:
  equivariant::ProductSpaceSchedule schedule_;
  double t_min_;
  std::string key_ = "lig_pos";
};

}  // namespace disco::docking
