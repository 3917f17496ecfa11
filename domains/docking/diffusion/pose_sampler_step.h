#pragma once
// Product-space diffusion over ligand poses (DiffDock, Corso et al. 2023, Sec. 3-4): the forward noising
// used in training, and one reverse (denoising) step of the sampler, on R^3 x SO(3) x T^n.
//
// Reverse step from t to t_next < t (dt = t - t_next), per component c with geometric sigma_c:
//   delta_c = (1 + tau_c)/2 g_c(t)^2 dt score_c + sqrt(tau_c) g_c(t) sqrt(dt) z,   z ~ N(0, I)
// tau_c = 1 is the reverse SDE (Euler-Maruyama), tau_c = 0 the probability-flow ODE; every tau in [0, 1]
// has the same marginals in continuous time, so tau is a per-component "temperature" of the sampler's
// stochasticity. On the last step z is dropped (no noise), as in DiffDock.
//
// Low-temperature sampling (Sharpening) aims at p_data^(1/T) instead of p_data, concentrating the poses on the
// model's modes. Modelling a mode of component c as a Gaussian of width w_c, its noised density at noise sigma is
// N(mu, w_c^2 + sigma^2) and that of the sharpened mode N(mu, T w_c^2 + sigma^2): the sharpened score is the
// model's times (w_c^2 + sigma^2) / (T w_c^2 + sigma^2), about 1/T at low noise and 1 where sigma >> w_c.
#include <ATen/ATen.h>

#include "diffusion/pose_update.h"
#include "diffusion/sigma_schedule.h"

namespace disco::equivariant {

struct ComponentTemperatures {
  double translation = 1.0, rotation = 1.0, torsion = 1.0;
};

struct Sharpening {
  double temperature = 1.0;  // T in (0, 1]; 1 samples p_data itself
  double translation_width = 1.0, rotation_width = 0.2, torsion_width = 0.5;  // w_c: Å, rad, rad
};
// The factor on the score of a component whose mode has width `width`, at noise `sigma`.
double sharpening_factor(double width, double sigma, double temperature);

// Scores: translation (B, 3), rotation (B, 3), torsion (T,), for the current noise level t.
PoseUpdate reverse_step(const ProductSpaceSchedule& schedule, double t, double t_next,
                        const at::Tensor& translation_score, const at::Tensor& rotation_score,
                        const at::Tensor& torsion_score, const ComponentTemperatures& temperatures, bool last_step,
                        c10::optional<at::Generator> generator = c10::nullopt, const Sharpening& sharpening = {});

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
