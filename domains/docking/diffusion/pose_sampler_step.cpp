#include "diffusion/pose_sampler_step.h"

#include <cmath>

#include "diffusion/igso3.h"
#include "diffusion/wrapped_normal.h"

namespace disco::equivariant {

namespace {
at::Tensor component_step(const GeometricSigma& s, double t, double dt, const at::Tensor& score, double tau,
                          bool last_step, c10::optional<at::Generator> generator, double mode_width,
                          double target_temperature) {
  const double g = s.g(t);
  const double lambda = sharpening_factor(mode_width, s.sigma(t), target_temperature);
  at::Tensor delta = (1.0 + tau) / 2.0 * lambda * g * g * dt * score;
  if (!last_step && tau > 0.0)
    delta = delta + std::sqrt(tau) * g * std::sqrt(dt) * at::randn(score.sizes(), generator, score.options());
  return delta;
}

at::Tensor sigma_of(const GeometricSigma& s, const at::Tensor& t) {
  return at::pow(s.min, 1.0 - t) * at::pow(s.max, t);
}
}  // namespace

double sharpening_factor(double width, double sigma, double temperature) {
  const double w2 = width * width, s2 = sigma * sigma;
  return (w2 + s2) / (temperature * w2 + s2);
}

PoseUpdate reverse_step(const ProductSpaceSchedule& schedule, double t, double t_next,
                        const at::Tensor& translation_score, const at::Tensor& rotation_score,
                        const at::Tensor& torsion_score, const ComponentTemperatures& temperatures, bool last_step,
                        c10::optional<at::Generator> generator, const Sharpening& sharpening) {
  const double dt = t - t_next, T = sharpening.temperature;
  PoseUpdate u;
  u.translation = component_step(schedule.translation, t, dt, translation_score, temperatures.translation, last_step,
                                 generator, sharpening.translation_width, T);
  u.rotation = component_step(schedule.rotation, t, dt, rotation_score, temperatures.rotation, last_step, generator,
                              sharpening.rotation_width, T);
  u.torsion = component_step(schedule.torsion, t, dt, torsion_score, temperatures.torsion, last_step, generator,
                             sharpening.torsion_width, T);
  return u;
}

PoseNoise sample_pose_noise(const ProductSpaceSchedule& schedule, const at::Tensor& t, const at::Tensor& torsion_graph,
                            c10::optional<at::Generator> generator) {
  PoseNoise n;
  const int64_t B = t.size(0);
  n.translation_sigma = sigma_of(schedule.translation, t);
  n.rotation_sigma = sigma_of(schedule.rotation, t);
  n.torsion_sigma = sigma_of(schedule.torsion, t).index_select(0, torsion_graph);
  const at::Tensor s_tr = n.translation_sigma.unsqueeze(1);
  n.update.translation = s_tr * at::randn({B, 3}, generator, t.options());
  n.translation_score = -n.update.translation / (s_tr * s_tr);
  n.update.rotation = igso3_table().sample(n.rotation_sigma, generator);
  n.rotation_score = igso3_table().score(n.update.rotation, n.rotation_sigma);
  n.update.torsion = wrapped_normal_sample(n.torsion_sigma, generator);
  n.torsion_score = wrapped_normal_score(n.update.torsion, n.torsion_sigma);
  return n;
}

}  // namespace disco::equivariant
