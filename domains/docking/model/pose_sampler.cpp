#include "pose_sampler.h"

#include <ATen/ATen.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>

#include "disco/latents.h"
#include "disco/model.h"
#include "diffusion/igso3.h"
#include "diffusion/pose_sampler_step.h"
#include "diffusion/pose_update.h"
#include "diffusion/wrapped_normal.h"
#include "diffusion/pose_diffusion.h"
#include "torsion.h"

namespace disco::docking {

namespace {

at::Tensor cpu_double(const at::Tensor& t) { return t.to(at::kCPU, at::kDouble).contiguous(); }

// n rotation vectors (axis * angle) of uniformly distributed rotations: normalised Gaussian quaternions.
at::Tensor uniform_rotation_vectors(int64_t n, at::Generator gen) {
  at::Tensor q = at::randn({n, 4}, gen, at::kDouble);
  q = q / q.norm(2, 1, true);
  q = q * at::where(q.select(1, 0) < 0, -1.0, 1.0).unsqueeze(1);  // w >= 0: angle in [0, pi]
  const at::Tensor v = q.narrow(1, 1, 3);
  const at::Tensor sin_half = v.norm(2, 1, true);
  const at::Tensor angle = 2.0 * at::atan2(sin_half, q.narrow(1, 0, 1));
  return v / sin_half.clamp_min(1e-12) * angle;
}

Batch batch_of(const std::vector<DockingExample>& copies, const PocketOptions& pocket) {
  std::vector<const DockingExample*> ptrs;
  for (const auto& c : copies) ptrs.push_back(&c);
  return pack_examples(ptrs, pocket, std::vector<int64_t>(copies.size(), 0));
}

}  // namespace

namespace {
EncoderOutput encode_crystal(Encoder& encoder, const DockingExample& example, const DockingSettings& s) {
  DockingExample crystal = example;
  crystal.lig_pos = example.reference_pos;
  encoder.eval();
  return encoder.encode(batch_of({crystal}, s.pocket).to(device_of(encoder)));
}
}  // namespace

at::Tensor encoded_latents(Encoder& encoder, const DockingExample& example, const DockingSettings& s) {
  torch::NoGradGuard no_grad;
  const EncoderOutput out = encode_crystal(encoder, example, s);
  return latent_argmax(out.logits, out.mask).select(0, 0).to(at::kCPU);
}

CrystalLatentNll crystal_latent_nll(Encoder& encoder, Prior& prior, const DockingExample& example,
                                    const DockingSettings& s) {
  torch::NoGradGuard no_grad;
  const EncoderOutput out = encode_crystal(encoder, example, s);
  const at::Tensor z = latent_argmax(out.logits, out.mask);  // [1, m]
  prior.eval();
  CrystalLatentNll r;
  // The prior reads the example as dock_poses gives it (the input pose at the pocket), never the crystal pose.
  r.prior = prior.nll(batch_of({example}, s.pocket).to(device_of(prior)), z.to(device_of(prior))).item<double>();
  const at::Tensor allowed = out.mask.defined() ? out.mask.select(0, 0).sum(1).to(at::kDouble)
                                                : at::full({out.logits.size(1)}, double(out.logits.size(2)), at::kDouble);
  r.uniform = allowed.log().sum().item<double>();
  return r;
}

std::vector<DockedPose> dock_poses(Denoiser& denoiser, Prior* prior, const DockingExample& example,
                                   const DockingSettings& s, at::Generator gen, const at::Tensor& given_latents) {
  torch::NoGradGuard no_grad;
  const int64_t n = s.samples, T = example.torsions.size();
  const auto device = device_of(denoiser);
  const auto f32 = at::TensorOptions().dtype(at::kFloat);

  // Random starting poses.
  std::vector<DockingExample> copies(static_cast<size_t>(n), example);
  // Uniformly random orientations (as DiffDock's inference): the input pose's own orientation must not leak
  // into the start (an IGSO(3) draw at sigma_max = 1.55 rad would stay correlated with it).
  const at::Tensor rot0 = cpu_double(uniform_rotation_vectors(n, gen));
  const at::Tensor tor0 = cpu_double((at::rand({n, std::max<int64_t>(T, 1)}, gen, at::kDouble) * 2 - 1) * M_PI);
  const at::Tensor tr0 = cpu_double(at::randn({n, 3}, gen, at::kDouble) * s.schedule.translation.max);
  const Vec3 to_pocket = example.pocket_centre - centroid(example.lig_pos);  // every copy starts as the example
  equivariant::PoseUpdate start;
  start.translation = tr0 + at::tensor({to_pocket.x, to_pocket.y, to_pocket.z}, at::kDouble);
  start.rotation = rot0;
  start.torsion = tor0.narrow(1, 0, T).reshape({-1});
  for (int64_t i = 0; i < n; ++i) {
    auto& pos = copies[size_t(i)].lig_pos;
    pos = equivariant::apply_pose_update(pos, example.torsions, start, i, i * T);
  }

  // Latents from the prior (on the example itself: its prior_pos is the same for every copy).
  Latents z;
  std::vector<std::vector<int64_t>> chosen(static_cast<size_t>(n));
  if (prior) {
    prior->eval();
    const at::Tensor idx = given_latents.defined()
                               ? given_latents.to(device, at::kLong).reshape({1, -1}).expand({n, -1}).contiguous()
                               : prior->sample(batch_of(copies, s.pocket).to(device), n, s.prior_temperature, 0, gen);
    z = Latents::from_indices(idx, s.k);
    z.dropped = at::zeros({n}, f32.dtype(at::kBool).device(device));
    const at::Tensor cpu = idx.to(at::kCPU);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < cpu.size(1); ++j) chosen[size_t(i)].push_back(cpu[i][j].item<int64_t>());
  }

  denoiser.eval();
  for (int64_t step = 0; step < s.steps; ++step) {
    const double t = 1.0 - double(step) / double(s.steps), t_next = 1.0 - double(step + 1) / double(s.steps);
    const Batch b = batch_of(copies, s.pocket).to(device);
    const at::Tensor scores = denoiser.denoise(b, at::full({n}, t, f32.device(device)), z).to(at::kCPU, at::kDouble);
    const PackedScores p = unpack_scores(scores);
    const at::Tensor tor_scores = p.torsion.narrow(1, 0, T).reshape({-1});
    const equivariant::PoseUpdate u = equivariant::reverse_step(s.schedule, t, t_next, p.translation, p.rotation,
                                                                tor_scores, s.temperatures, step + 1 == s.steps, gen,
                                                                s.sharpening);
    for (int64_t i = 0; i < n; ++i) {
      auto& pos = copies[size_t(i)].lig_pos;
      pos = equivariant::apply_pose_update(pos, example.torsions, u, i, i * T);
    }
  }

  // Self-consistency score of the final poses.
  const double t_score = 0.05;
  const Batch b = batch_of(copies, s.pocket).to(device);
  const at::Tensor t_tensor = at::full({n}, t_score, f32.device(device));
  const PackedScores p = unpack_scores(denoiser.denoise(b, t_tensor, z).to(at::kCPU, at::kDouble));
  const ComponentSigmas sig = component_sigmas(s.schedule, at::full({n}, t_score, at::kDouble));
  const at::Tensor rot_norm = equivariant::igso3_table().score_norm(sig.rotation);
  const at::Tensor tor_norm = equivariant::wrapped_normal_score_norm(sig.torsion);
  const at::Tensor score = (p.translation * sig.translation.unsqueeze(1)).pow(2).sum(1) +
                           p.rotation.pow(2).sum(1) / rot_norm +
                           p.torsion.narrow(1, 0, T).pow(2).sum(1) / tor_norm;
  std::vector<DockedPose> poses;
  for (int64_t i = 0; i < n; ++i)
    poses.push_back({copies[size_t(i)].lig_pos, score[i].item<double>(), chosen[size_t(i)]});
  std::stable_sort(poses.begin(), poses.end(),
                   [](const DockedPose& a, const DockedPose& b) { return a.model_score < b.model_score; });
  return poses;
}

}  // namespace disco::docking
