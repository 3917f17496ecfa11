#include "docking_networks.h"

#include <ATen/ATen.h>

#include <cmath>

#include "disco/error.h"
#include "disco/latents.h"
#include "diffusion/igso3.h"
#include "diffusion/wrapped_normal.h"
#include "joint_graph.h"
#include "diffusion/pose_diffusion.h"

namespace disco::docking {

DockingDenoiser::DockingDenoiser(const DockingSettings& settings) : settings_(settings) {
  net_ = register_module("net", equivariant::ScoreModel(settings.denoiser));
}

FlatJointGraph DockingDenoiser::graph_of(const Batch& noisy, const at::Tensor& t, const Latents& z) const {
  const at::Tensor pos = noisy.at("lig_pos");
  const int64_t B = pos.size(0);
  FlatJointGraph g = flatten_joint_graph(noisy, pos, t, settings_.radii);
  const auto opts = pos.options();
  if (settings_.m > 0) {
    if (z.empty()) {  // no latents given: the null embedding
      g.graph.latent_node_weights = at::zeros({g.node_local.size(0), settings_.m}, opts);
      g.graph.latent_dropped = at::ones({B}, opts.dtype(at::kBool));
    } else {
      const at::Tensor dropped = z.dropped.defined() ? z.dropped.to(pos.device()) : at::zeros({B}, opts.dtype(at::kBool));
      const at::Tensor codes = z.codes.to(opts) * (~dropped).to(opts).view({B, 1, 1});
      g.graph.latent_node_weights = codes_to_node_weights(g, codes);
      g.graph.latent_dropped = dropped;
    }
  }
  return g;
}

at::Tensor DockingDenoiser::denoise(const Batch& noisy, const at::Tensor& t, const Latents& z) {
  const at::Tensor pos = noisy.at("lig_pos");
  const int64_t B = pos.size(0), L = pos.size(1);
  const FlatJointGraph g = graph_of(noisy, t, z);
  const equivariant::ScoreOutputs out = net_->forward(g.graph, equivariant::ScoreOutputsWanted::pose_scores);
  const ComponentSigmas s = component_sigmas(settings_.schedule, t.to(pos.options()));
  const at::Tensor translation = out.translation / s.translation.unsqueeze(1);
  const at::Tensor rot_norm = equivariant::igso3_table().score_norm(s.rotation.to(at::kDouble)).to(pos.options());
  const at::Tensor rotation = out.rotation * rot_norm.sqrt().unsqueeze(1);
  // Torsion scores back into the padded [B, T] layout.
  const int64_t T = g.torsion_valid.size(1);
  const at::Tensor tor_norm = equivariant::wrapped_normal_score_norm(s.torsion.to(at::kDouble)).to(pos.options());
  const at::Tensor where = g.torsion_valid.nonzero();
  const at::Tensor tb = where.select(1, 0), tt = where.select(1, 1);
  const at::Tensor torsion = at::zeros({B, T}, pos.options())
                                 .index_put({tb, tt}, out.torsion * tor_norm.sqrt().index_select(0, tb));
  return pack_scores(translation, rotation, torsion, L);
}

DockingEncoder::DockingEncoder(const DockingSettings& settings) : settings_(settings) {
  net_ = register_module("net", equivariant::ScoreModel(settings.encoder));
}

EncoderOutput DockingEncoder::encode(const Batch& clean) {
  const at::Tensor pos = clean.at("lig_pos");
  const int64_t B = pos.size(0);
  const FlatJointGraph g = flatten_joint_graph(clean, pos, at::zeros({B}, pos.options()), settings_.radii);
  const equivariant::ScoreOutputs out = net_->forward(g.graph);
  auto [logits, mask] = node_logits_to_codes(g, out.latent_logits, B, settings_.k);
  return {logits, mask};
}

DockingPrior::DockingPrior(const DockingSettings& settings) : settings_(settings) {
  net_ = register_module("net", equivariant::ScoreModel(settings.prior));
}

std::pair<at::Tensor, at::Tensor> DockingPrior::logits_of(const Batch& cond, const at::Tensor& z, int64_t j) {
  const at::Tensor pos = cond.at("prior_pos");
  const int64_t B = pos.size(0), m = settings_.m, k = settings_.k;
  FlatJointGraph g = flatten_joint_graph(cond, pos, at::ones({B}, pos.options()), settings_.radii);
  // Latents before j as one-hot node flags; the rest are not yet chosen (zero weight, no null vector).
  at::Tensor codes = at::zeros({B, m, k}, pos.options());
  for (int64_t i = 0; i < j; ++i)
    codes.select(1, i).scatter_(1, z.select(1, i).unsqueeze(1).to(at::kLong), 1.0);
  g.graph.latent_node_weights = codes_to_node_weights(g, codes);
  // The denoiser's layers saw the null embedding when no latent was given: the first latent reads them so.
  if (settings_.prior_backbone == "denoiser" && j == 0) g.graph.latent_dropped = at::ones({B}, pos.options().dtype(at::kBool));
  const equivariant::ScoreOutputs out = net_->forward(g.graph);
  auto [logits, mask] = node_logits_to_codes(g, out.latent_logits, B, k);
  return {logits.select(1, j), mask.select(1, j)};
}

void DockingPrior::before_training_step(int64_t step, const Denoiser& trained) {
  if (settings_.prior_backbone != "denoiser") return;
  prepared_ = true;
  auto is_head = [](const std::string& name) { return name.rfind("net.latent_head.", 0) == 0; };  // the prior's own
  if (step == 0) {
    const auto source = trained.named_parameters(true);
    at::NoGradGuard no_grad;
    for (auto& p : named_parameters(true)) {
      if (is_head(p.key())) continue;
      const at::Tensor* from = source.find(p.key());
      if (!from || from->sizes() != p.value().sizes())
        throw RuntimeError("docking prior (model.prior_backbone = \"denoiser\"): the denoiser's parameter " + p.key() +
                           (from ? " has another shape than the prior's" : " is missing"));
      p.value().copy_(*from);
    }
  }
  const bool tune = step >= settings_.prior_freeze_steps;
  for (auto& p : named_parameters(true))
    if (!is_head(p.key())) p.value().requires_grad_(tune);
}

at::Tensor DockingPrior::nll(const Batch& cond, const at::Tensor& z) {
  if (is_training() && settings_.prior_backbone == "denoiser" && !prepared_)
    throw RuntimeError("docking prior: model.prior_backbone = \"denoiser\" trains only after before_training_step() "
                       "has copied the denoiser's layers (the trainer's stage 2 does this)");
  at::Tensor total = at::zeros({z.size(0)}, cond.at("prior_pos").options());
  for (int64_t j = 0; j < settings_.m; ++j) {
    auto [logits, mask] = logits_of(cond, z, j);
    const at::Tensor logp = at::log_softmax(logits.masked_fill(~mask, -1e9), 1);
    total = total - logp.gather(1, z.select(1, j).unsqueeze(1).to(at::kLong)).squeeze(1);
  }
  return total;
}

at::Tensor DockingPrior::sample(const Batch& cond, int64_t n, double temperature, int64_t top_k,
                                c10::optional<at::Generator> gen) {
  if (cond.size != n) throw RuntimeError("docking prior: needs one example per sample (got " +
                                         std::to_string(cond.size) + " for " + std::to_string(n) + ")");
  at::Tensor z = at::zeros({n, settings_.m}, cond.at("prior_pos").options().dtype(at::kLong));
  for (int64_t j = 0; j < settings_.m; ++j) {
    auto [logits, mask] = logits_of(cond, z, j);
    logits = logits.masked_fill(~mask, -1e9) / std::max(temperature, 1e-6);
    if (top_k > 0 && top_k < logits.size(1)) {
      const at::Tensor kth = std::get<0>(logits.topk(top_k, 1)).select(1, top_k - 1).unsqueeze(1);
      logits = logits.masked_fill(logits < kth, -1e9);
    }
    z.select(1, j).copy_(at::multinomial(at::softmax(logits, 1), 1, false, gen).squeeze(1));
  }
  return z;
}

}  // namespace disco::docking
