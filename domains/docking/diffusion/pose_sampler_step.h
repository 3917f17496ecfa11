#pragma once
// Product-space diffusion over ligand poses (DiffDock, Corso et al. 2023, Sec. 3-4): the forward noising
// used in training, and one reverse (denoising) step of the sampler, on R^3 x SO(3) x T^n.
//
// Reverse step from t to t_next < t (dt = t - t_next), per component c with geometric sigma_c:
//   delta_c = (1 + tau_c)/2 g_c(t)^2 dt score_c + sqrt(tau_c) g_c(t) sqrt(dt) z,   z ~ N(0, I)
// tau_c = 1 is the reverse SDE (Euler-Maruyama), tau_c = 0 the probability-flow ODE; every tau in [0, 1]
// has the same marginals in continuous time, so tau is a per-component "temperature" of the sampler's
// stochasticity. On the last step z is dropped (no noise), as in DiffDock.
#include <ATen/ATen.h>

#include "diffusion/pose_update.h"
#include "diffusion/sigma_schedule.h"

namespace disco::equivariant {

struct ComponentTemperatures {
  double translation = 1.0, rotation = 1.0, torsion = 1.0;
};

// Scores: translation (B, 3), rotation (B, 3), torsion (T,), for the current noise level t.
PoseUpdate reverse_step(const ProductSpaceSchedule& schedule, double t, double t_next,
                        const at::Tensor& translation_score, const at::Tensor& rotation_score,
                        const at::Tensor& torsion_score, const ComponentTemperatures& temperatures, bool last_step,
                        c10::optional<at::Generator> generator = c10::nullopt);

// Forward noising for training at times t (B,) (torsion_graph (T,): which graph each bond belongs to):
// translation ~ N(0, sigma_tr^2 I), rotation ~ IGSO(3)(sigma_rot), torsion ~ wrapped N(0, sigma_tor^2),
// and the scores of these perturbation kernels at the sampled update (the denoising-score-matching targets).
struct PoseNoise {
  PoseUpdate update;
  at::Tensor translation_score, rotation_score, torsion_score;
  at::Tensor translation_sigma, rotation_sigma, torsion_sigma;  // (B,), (B,), (T,)
};
PoseNoise sample_pose_noise(const ProductSpaceSchedule& schedule, const at::Tensor& t, const at::Tensor& torsion_graph,
                            c10::optional<at::Generator> generator = c10::nullopt);

}  // namespace disco::equivariant
