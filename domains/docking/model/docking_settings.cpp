#include "docking_settings.h"

namespace disco::docking {

namespace {

equivariant::ScoreModelOptions network(const Config& c, const std::string& layers, const std::string& irreps,
                                       int64_t num_latents) {
  equivariant::ScoreModelOptions o;
  o.node_feature_dim = node_feature_dim();
  o.hidden_irreps = c.get_string(irreps);
  o.num_layers = c.get_int(layers);
  o.sh_lmax = int(c.get_int("model.sh_lmax"));
  o.mlp_hidden = c.get_int("model.mlp_hidden");
  o.max_edge_distance = std::max(c.get_float("graph.cross_radius"), c.get_float("graph.receptor_radius"));
  o.torsion_radius = c.get_float("graph.ligand_radius");
  o.num_latents = num_latents;
  return o;
}

}  // namespace

DockingSettings docking_settings(const Config& c) {
  DockingSettings s;
  s.root = c.get_string("data.root");
  s.test_root = c.get_string("data.test_root");
  s.train_split = c.get_string("data.train_split");
  s.test_split = c.get_string("data.test_split");
  s.cache_dir = c.get_string("data.cache_dir");
  s.synthetic_count = c.get_int("data.synthetic_count");
  s.limit = c.get_int("data.limit");
  s.conformer_matching = c.get_bool("data.conformer_matching");
  s.pocket.max_ligand_atoms = c.get_int("data.max_ligand_atoms");
  s.pocket.max_residues = c.get_int("data.max_residues");
  s.pocket.pocket_radius = c.get_float("data.pocket_radius");
  s.pocket.pocket_jitter = c.get_float("data.pocket_jitter");
  s.pocket.receptor_radius = c.get_float("graph.receptor_radius");
  s.radii.ligand = c.get_float("graph.ligand_radius");
  s.radii.cross = c.get_float("graph.cross_radius");
  s.schedule.translation = {c.get_float("pose.translation_sigma_min"), c.get_float("pose.translation_sigma_max")};
  s.schedule.rotation = {c.get_float("pose.rotation_sigma_min"), c.get_float("pose.rotation_sigma_max")};
  s.schedule.torsion = {c.get_float("pose.torsion_sigma_min"), c.get_float("pose.torsion_sigma_max")};
  s.t_min = c.get_float("pose.t_min");
  s.m = c.get_int("latent.m");
  s.k = c.get_int("latent.k");
  s.denoiser = network(c, "model.layers", "model.irreps", s.m);
  s.encoder = network(c, "model.encoder_layers", "model.encoder_irreps", s.m);
  s.prior_backbone = c.get_string("model.prior_backbone");
  s.prior_freeze_steps = c.get_int("model.prior_freeze_steps");
  s.prior = s.prior_backbone == "denoiser" ? s.denoiser : network(c, "model.prior_layers", "model.prior_irreps", s.m);
  s.confidence = network(c, "confidence.layers", "confidence.irreps", 0);
  s.confidence_training.complexes = c.get_int("confidence.complexes");
  s.confidence_training.poses = c.get_int("confidence.poses");
  s.confidence_training.steps = c.get_int("confidence.steps");
  s.confidence_training.batch_size = c.get_int("confidence.batch_size");
  s.confidence_training.lr = c.get_float("confidence.lr");
  s.confidence_training.holdout = c.get_float("confidence.holdout");
  s.samples = c.get_int("dock.samples");
  s.steps = c.get_int("dock.steps");
  s.temperatures = {c.get_float("dock.temperature_translation"), c.get_float("dock.temperature_rotation"),
                    c.get_float("dock.temperature_torsion")};
  s.sharpening = {c.get_float("dock.sharpen_temperature"), c.get_float("dock.sharpen_width_translation"),
                  c.get_float("dock.sharpen_width_rotation"), c.get_float("dock.sharpen_width_torsion")};
  s.rank_by_confidence = c.get_string("dock.ranking") == "confidence";
  s.encoded_latents = c.get_string("dock.latents") == "encoded";
  s.prior_temperature = c.get_float("sample.prior_temperature");
  s.eval_complexes = c.get_int("eval.complexes");
  s.seed = uint64_t(c.get_int("seed"));
  return s;
}

}  // namespace disco::docking
