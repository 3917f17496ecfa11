// Docking one complex: n poses by reverse diffusion over R^3 x SO(3) x torsions (DiffDock's sampler,
// diffusion/pose_sampler_step.h), with DisCo latents drawn from the prior, and each pose scored by the
// model itself.
//
// Start: the input ligand (its own bond lengths, angles and rings) with uniformly random torsions and
// orientation, centred at the pocket centre plus N(0, sigma_tr,max^2) per axis. Then `steps` steps from t = 1
// to t = 0 (the last adds no noise), each applying the predicted update to every pose (torsions, then the
// rigid motion, the torsion change superposed back: torsion.h). The model score of a final pose is the
// denoiser's scaled score norm at t = 0.05 (small = the model sees no direction to improve it); poses are
// ranked by it, lowest first. It is a self-consistency ranking; a run with a trained confidence model
// (confidence_model.h) re-ranks the poses by that model instead.
#pragma once
#include <ATen/core/Generator.h>

#include <memory>
#include <optional>
#include <vector>

#include "disco/denoiser.h"
#include "disco/encoder.h"
#include "disco/prior.h"
#include "docking_example.h"
#include "docking_settings.h"

namespace disco::docking {

struct DockedPose {
  std::vector<Vec3> pos;
  double model_score = 0;        // lower is better
  std::vector<int64_t> latents;  // the node indices the prior chose (empty for m = 0)
  std::optional<double> confidence;  // P(RMSD < 2 Å) from the confidence model, when the run has one
};

// Returns the poses ranked (best first). `prior` may be null (m = 0). `given_latents` ([m] node indices), when
// defined, replaces the prior's draws for every sample (encoded_latents).
std::vector<DockedPose> dock_poses(Denoiser& denoiser, Prior* prior, const DockingExample& example,
                                   const DockingSettings& settings, at::Generator gen,
                                   const at::Tensor& given_latents = {});

// The encoder's latents ([m] node indices, the argmax at tau -> 0) of the example's crystal pose
// (reference_pos): the oracle of dock.latents = "encoded", which separates the denoiser's error from the prior's.
at::Tensor encoded_latents(Encoder& encoder, const DockingExample& example, const DockingSettings& settings);

// How well the prior predicts the latents the denoiser was trained to read: its negative log-likelihood (nats) of
// encoded_latents() of the crystal pose, next to that of uniform codes over the same allowed nodes.
struct CrystalLatentNll {
  double prior = 0;
  double uniform = 0;
};
CrystalLatentNll crystal_latent_nll(Encoder& encoder, Prior& prior, const DockingExample& example,
                                    const DockingSettings& settings);

}  // namespace disco::docking
