#include "diffusion/pose_diffusion.h"

#include <ATen/ATen.h>

#include "disco/error.h"
#include "diffusion/igso3.h"
#include "diffusion/pose_sampler_step.h"
#include "diffusion/pose_update.h"
#include "diffusion/wrapped_normal.h"
#include "graph_tensors.h"
#include "torsion.h"

namespace disco::docking {

namespace {
at::Tensor geometric(const equivariant::GeometricSigma& s, const at::Tensor& t) {
  return at::pow(s.min, 1.0 - t) * at::pow(s.max, t);
}

// The example's torsions from the padded rows (tor_bonds [T,2], tor_mask [T,L]) of one batch row.
TorsionSet torsions_of(const at::Tensor& tor_bonds, const at::Tensor& tor_mask, int64_t num_atoms) {
  TorsionSet set;
  set.num_atoms = num_atoms;
  const auto b = tor_bonds.accessor<int64_t, 2>();
  const auto m = tor_mask.accessor<bool, 2>();
  for (int64_t t = 0; t < tor_bonds.size(0) && b[t][0] >= 0; ++t) {
    set.bonds.push_back({int32_t(b[t][0]), int32_t(b[t][1])});
    for (int64_t i = 0; i < num_atoms; ++i) set.mask.push_back(m[t][i] ? 1 : 0);
  }
  return set;
}
}  // namespace

ComponentSigmas component_sigmas(const equivariant::ProductSpaceSchedule& s, const at::Tensor& time) {
  const at::Tensor t = time.clamp(0.0, 1.0);
  return {geometric(s.translation, t), geometric(s.rotation, t), geometric(s.torsion, t)};
}

at::Tensor pack_scores(const at::Tensor& translation, const at::Tensor& rotation, const at::Tensor& torsion, int64_t L) {
  const int64_t B = translation.size(0), T = torsion.size(1);
  at::Tensor tor = at::cat({torsion.unsqueeze(2), at::zeros({B, T, 2}, translation.options())}, 2);
  if (T < L - 2) tor = at::cat({tor, at::zeros({B, L - 2 - T, 3}, translation.options())}, 1);
  return at::cat({translation.unsqueeze(1), rotation.unsqueeze(1), tor}, 1);
}

PackedScores unpack_scores(const at::Tensor& packed) {
  return {packed.select(1, 0), packed.select(1, 1), packed.narrow(1, 2, packed.size(1) - 2).select(2, 0)};
}

at::Tensor PoseDiffusion::sample_sigma(int64_t batch, const c10::Device& device, c10::optional<at::Generator> gen) const {
  return at::rand({batch}, gen, at::TensorOptions().dtype(at::kFloat).device(device)) * (1.0 - t_min_) + t_min_;
}

Batch PoseDiffusion::perturb(const Batch& clean, const at::Tensor& t, c10::optional<at::Generator> gen) const {
  const auto device = clean.at("lig_pos").device();
  const at::Tensor pos = clean.at("lig_pos").to(at::kCPU);
  const at::Tensor mask = clean.at("lig_mask").to(at::kCPU), tor_bonds = clean.at("tor_bonds").to(at::kCPU);
  const at::Tensor tor_mask = clean.at("tor_mask").to(at::kCPU);
  const int64_t B = pos.size(0), L = pos.size(1), T = tor_bonds.size(1);
  const at::Tensor valid = tor_bonds.select(2, 0) >= 0;                                  // (B, T)
  const at::Tensor torsion_graph = valid.nonzero().select(1, 0);                        // example of each torsion
  // Draw on the CPU from the CPU stream: the noise does not depend on the device.
  c10::optional<at::Generator> cpu_gen = gen && gen->device().is_cpu() ? gen : c10::nullopt;
  const equivariant::PoseNoise noise = equivariant::sample_pose_noise(schedule_, t.to(at::kCPU, at::kDouble).clamp(0.0, 1.0),
                                                                      torsion_graph, cpu_gen);
  at::Tensor noisy_pos = pos.clone();
  at::Tensor tor_score = at::zeros({B, T}, at::kDouble);
  int64_t k = 0;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = mask[b].sum().item<int64_t>();
    const TorsionSet set = torsions_of(tor_bonds[b], tor_mask[b], n);
    for (int64_t i = 0; i < set.size(); ++i) tor_score[b][i] = noise.torsion_score[k + i];
    const std::vector<Vec3> moved =
        equivariant::apply_pose_update(from_tensor(pos[b].narrow(0, 0, n)), set, noise.update, b, k);
    k += set.size();
    noisy_pos[b].narrow(0, 0, n).copy_(to_tensor(moved));
  }
  const auto f32 = at::TensorOptions().dtype(at::kFloat).device(device);
  return clean.with("lig_pos", noisy_pos.to(device))
      .with("tr_score", noise.translation_score.to(f32))
      .with("rot_score", noise.rotation_score.to(f32))
      .with("tor_score", tor_score.to(f32));
}

at::Tensor PoseDiffusion::loss(const Batch&, const at::Tensor&, const at::Tensor&) const {
  throw RuntimeError("docking: the pose loss needs the perturbed batch (its score targets); call training_loss()");
}

at::Tensor PoseDiffusion::training_loss(const Batch& clean, const Batch& noisy, const at::Tensor& prediction,
                                        const at::Tensor& t) const {
  const PackedScores p = unpack_scores(prediction);
  const ComponentSigmas s = component_sigmas(schedule_, t.to(prediction.options()));
  const at::Tensor tr = ((p.translation - noisy.at("tr_score")) * s.translation.unsqueeze(1)).pow(2).mean(1);
  const at::Tensor rot_norm = equivariant::igso3_table().score_norm(s.rotation.to(at::kDouble)).to(prediction.options());
  const at::Tensor rot = (p.rotation - noisy.at("rot_score")).pow(2).mean(1) / rot_norm;
  const at::Tensor valid = (clean.at("tor_bonds").select(2, 0) >= 0).to(prediction.options());  // (B, T)
  const at::Tensor tor_norm =
      equivariant::wrapped_normal_score_norm(s.torsion.to(at::kDouble)).to(prediction.options()).unsqueeze(1);
  const at::Tensor tor_err = (p.torsion - noisy.at("tor_score")).pow(2) / tor_norm * valid;
  const at::Tensor tor = tor_err.sum(1) / valid.sum(1).clamp_min(1.0);
  return tr + rot + tor;
}

at::Tensor PoseDiffusion::sample_prior(int64_t, const std::vector<int64_t>&, double, const c10::Device&,
                                       c10::optional<at::Generator>) const {
  throw UsageError("docking poses are sampled with `disco dock` (or `disco eval`), not `disco sample`");
}

at::Tensor PoseDiffusion::ode_derivative(const at::Tensor&, const at::Tensor&, double) const {
  throw UsageError("docking poses are sampled with `disco dock` (or `disco eval`), not `disco sample`");
}

}  // namespace disco::docking
