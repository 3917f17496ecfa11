#include "equivariant/score_model.h"

#include <torch/nn/modules/activation.h>

#include <stdexcept>

#include "equivariant/radial_embedding.h"
#include "equivariant/spherical_harmonics.h"
#include "equivariant/tensor_product.h"

namespace disco::equivariant {

namespace nn = torch::nn;

Irreps torsion_edge_attr_irreps() { return Irreps::parse("0e + 1o + 2e + 1o + 2o"); }

namespace {
nn::Sequential mlp(int64_t in, int64_t hidden, int64_t out, bool bias = true) {
  return nn::Sequential(nn::Linear(nn::LinearOptions(in, hidden).bias(bias)), nn::SiLU(),
                        nn::Linear(nn::LinearOptions(hidden, out).bias(bias)));
}
}  // namespace

ScoreModelImpl::ScoreModelImpl(ScoreModelOptions options) : options_(std::move(options)) {
  hidden_ = Irreps::parse(options_.hidden_irreps);
  if (options_.sh_lmax < 1 || options_.sh_lmax > 2)
    throw std::invalid_argument("score model: sh_lmax must be 1 or 2");
  if (options_.num_layers < 1) throw std::invalid_argument("score model: num_layers must be >= 1");
  sh_ = Irreps::spherical_harmonics(options_.sh_lmax);
  ns_ = hidden_.count(Irrep{0, 1});
  if (ns_ == 0) throw std::invalid_argument("score model: hidden irreps need even scalars (0e)");
  const int64_t nd = options_.noise_embedding_dim, dd = options_.distance_embedding_dim;
  const int64_t in_dim = options_.node_feature_dim + nd;

  ligand_embedding_ = register_module("ligand_embedding", nn::Linear(in_dim, ns_));
  receptor_embedding_ = register_module("receptor_embedding", nn::Linear(in_dim, ns_));
  edge_embedding_ = register_module("edge_embedding", mlp(dd + 3 + options_.edge_feature_dim + nd, ns_, ns_));

  Irreps in = Irreps({MulIrrep{ns_, Irrep{0, 1}}});
  for (int64_t i = 0; i < options_.num_layers; ++i) {
    TensorProductConvOptions o;
    o.in = in;
    o.attr = sh_;
    o.out = hidden_;
    o.edge_scalar_dim = ns_ + 2 * in.count(Irrep{0, 1});
    o.mlp_hidden = options_.mlp_hidden;
    layers_.push_back(register_module("layer" + std::to_string(i), TensorProductConv(o)));
    in = hidden_;
  }

  center_edge_embedding_ = register_module("center_edge_embedding", mlp(dd + nd, ns_, ns_));
  TensorProductConvOptions c;
  c.in = hidden_;
  c.attr = sh_;
  c.out = Irreps::parse("1x1o + 1x1e");
  c.edge_scalar_dim = ns_ + ns_;
  c.mlp_hidden = options_.mlp_hidden;
  c.gated = false;
  c.residual = false;
  c.normalized = false;
  center_conv_ = register_module("center_conv", TensorProductConv(c));
  translation_norm_ = register_module("translation_norm", mlp(1 + nd, ns_, 1));
  rotation_norm_ = register_module("rotation_norm", mlp(1 + nd, ns_, 1));

  torsion_edge_embedding_ = register_module("torsion_edge_embedding", mlp(dd + nd, ns_, ns_));
  TensorProductConvOptions t;
  t.in = hidden_;
  t.attr = torsion_edge_attr_irreps();
  t.out = Irreps({MulIrrep{ns_, Irrep{0, -1}}});
  t.edge_scalar_dim = ns_ + ns_ + ns_;
  t.mlp_hidden = options_.mlp_hidden;
  t.gated = false;
  t.residual = false;
  t.normalized = false;
  torsion_conv_ = register_module("torsion_conv", TensorProductConv(t));
  // An odd function of the pseudoscalars (no biases, tanh), so the torsion score stays a pseudoscalar.
  torsion_head_ = register_module("torsion_head", nn::Sequential(nn::Linear(nn::LinearOptions(ns_, ns_).bias(false)),
                                                                 nn::Tanh(),
                                                                 nn::Linear(nn::LinearOptions(ns_, 1).bias(false))));

  if (options_.num_latents > 0) {
    latent_head_ = register_module("latent_head", mlp(ns_ + nd, ns_, options_.num_latents));
    latent_flags_ = register_parameter("latent_flags", 0.1 * at::randn({options_.num_latents, ns_}));
    latent_null_ = register_parameter("latent_null", 0.1 * at::randn({options_.num_latents, ns_}));
  }
}

ScoreOutputs ScoreModelImpl::forward(const JointGraph& g, ScoreOutputsWanted wanted) {
  const int64_t N = g.positions.size(0), B = g.num_graphs;
  const int64_t nd = options_.noise_embedding_dim, dd = options_.distance_embedding_dim;
  if (g.node_features.size(0) != N || g.node_features.size(1) != options_.node_feature_dim)
    throw std::invalid_argument("score model: node_features must be (N, " +
                                std::to_string(options_.node_feature_dim) + ")");
  if (g.noise_level.size(0) != B) throw std::invalid_argument("score model: noise_level must be (num_graphs,)");
  const auto opts = g.positions.options();
  const at::Tensor noise = sinusoidal_embedding(g.noise_level.to(opts), nd);  // (B, nd)
  const at::Tensor node_noise = noise.index_select(0, g.node_graph);

  // --- node embedding and latent conditioning
  const at::Tensor node_in = at::cat({g.node_features.to(opts), node_noise}, 1);
  at::Tensor h = at::where(g.is_ligand.unsqueeze(1), ligand_embedding_->forward(node_in),
                           receptor_embedding_->forward(node_in));
  if (options_.num_latents > 0 && g.latent_node_weights.defined()) {
    const int64_t m = options_.num_latents;
    if (g.latent_node_weights.size(0) != N || g.latent_node_weights.size(1) != m)
      throw std::invalid_argument("score model: latent_node_weights must be (N, " + std::to_string(m) + ")");
    h = h + g.latent_node_weights.to(opts).matmul(latent_flags_);
    if (g.latent_dropped.defined()) {
      const at::Tensor dropped = g.latent_dropped.to(opts).unsqueeze(1).expand({B, m});  // (B, m)
      h = h + dropped.matmul(latent_null_).index_select(0, g.node_graph);
    }
  } else if (options_.num_latents > 0 && g.latent_nodes.defined() && g.latent_nodes.numel() > 0) {
    const int64_t m = options_.num_latents;
    if (g.latent_nodes.size(0) != B || g.latent_nodes.size(1) != m)
      throw std::invalid_argument("score model: latent_nodes must be (num_graphs, " + std::to_string(m) + ")");
    const at::Tensor chosen = g.latent_nodes.reshape({-1});
    const at::Tensor valid = chosen >= 0;
    const at::Tensor flags = latent_flags_.repeat({B, 1});  // row b*m + k = flag k
    h = h.index_add(0, chosen.masked_select(valid), flags.index({valid}));
    const at::Tensor dropped = (g.latent_nodes < 0).to(opts);  // (B, m)
    h = h + dropped.matmul(latent_null_).index_select(0, g.node_graph);
  }

  // --- interaction layers over the joint graph
  const at::Tensor src = g.edge_index[0], dst = g.edge_index[1];
  const at::Tensor vec = g.positions.index_select(0, dst) - g.positions.index_select(0, src);
  const at::Tensor edge_sh = spherical_harmonics(vec, options_.sh_lmax);
  const at::Tensor lig_src = g.is_ligand.index_select(0, src), lig_dst = g.is_ligand.index_select(0, dst);
  const at::Tensor edge_type = at::stack({(lig_src & lig_dst), (~lig_src & ~lig_dst), (lig_src ^ lig_dst)}, 1).to(opts);
  std::vector<at::Tensor> edge_parts{gaussian_distance_embedding(vec.norm(2, 1), options_.max_edge_distance, dd),
                                     edge_type, noise.index_select(0, g.node_graph.index_select(0, src))};
  if (options_.edge_feature_dim > 0) edge_parts.push_back(g.edge_features.to(opts));
  const at::Tensor edge_emb = edge_embedding_->forward(at::cat(edge_parts, 1));
  const bool pose_scores_only = wanted == ScoreOutputsWanted::pose_scores;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Irreps& in = layers_[i]->options().in;
    const at::Tensor s = even_scalars(h, in);
    if (pose_scores_only && i + 1 == layers_.size()) {
      // Only the ligand atoms' features are read from here on: their incoming edges are all this layer needs.
      // The pocket rows of h are then not updated by messages; nothing below reads them.
      const at::Tensor e = lig_dst.nonzero().reshape({-1});
      const at::Tensor e_src = src.index_select(0, e), e_dst = dst.index_select(0, e);
      const at::Tensor edge_scalars =
          at::cat({edge_emb.index_select(0, e), s.index_select(0, e_src), s.index_select(0, e_dst)}, 1);
      h = layers_[i]->forward(h, e_src, e_dst, N, edge_sh.index_select(0, e), edge_scalars);
    } else {
      const at::Tensor edge_scalars = at::cat({edge_emb, s.index_select(0, src), s.index_select(0, dst)}, 1);
      h = layers_[i]->forward(h, src, dst, N, edge_sh, edge_scalars);
    }
  }
  const at::Tensor scalars = even_scalars(h, hidden_);

  ScoreOutputs out;
  if (!pose_scores_only) out.node_features = h;

  // --- translation and rotation: ligand atoms -> their ligand centre
  const at::Tensor lig = g.is_ligand.nonzero().reshape({-1});
  const at::Tensor lig_graph = g.node_graph.index_select(0, lig);
  const at::Tensor lig_pos = g.positions.index_select(0, lig);
  const at::Tensor lig_count = at::zeros({B}, opts).index_add_(0, lig_graph, at::ones({lig.size(0)}, opts));
  const at::Tensor centre = at::zeros({B, 3}, opts).index_add_(0, lig_graph, lig_pos) / lig_count.clamp_min(1.0).unsqueeze(1);
  const at::Tensor to_atom = lig_pos - centre.index_select(0, lig_graph);  // vector centre -> atom
  const at::Tensor center_emb = center_edge_embedding_->forward(
      at::cat({gaussian_distance_embedding(to_atom.norm(2, 1), options_.center_max_distance, dd),
               noise.index_select(0, lig_graph)}, 1));
  const at::Tensor center_out = center_conv_->forward(
      h, lig, lig_graph, B, spherical_harmonics(to_atom, options_.sh_lmax),
      at::cat({center_emb, scalars.index_select(0, lig)}, 1));  // (B, 6): 1o then 1e
  auto rescale = [&](const at::Tensor& v, nn::Sequential& norm_mlp) {
    const at::Tensor n = v.norm(2, 1, true);
    return v / (n + 1e-6) * norm_mlp->forward(at::cat({n, noise}, 1));
  };
  out.translation = rescale(center_out.narrow(1, 0, 3), translation_norm_);
  out.rotation = rescale(center_out.narrow(1, 3, 3), rotation_norm_);

  // --- torsions: ligand atoms near each bond centre -> the bond
  const int64_t T = g.rotatable_bonds.defined() ? g.rotatable_bonds.size(1) : 0;
  if (T == 0) {
    out.torsion = at::zeros({0}, opts);
  } else {
    const at::Tensor u = g.rotatable_bonds[0], v = g.rotatable_bonds[1];
    const at::Tensor pu = g.positions.index_select(0, u), pv = g.positions.index_select(0, v);
    const at::Tensor bond_centre = 0.5 * (pu + pv);
    const at::Tensor bond_graph = g.node_graph.index_select(0, u);
    const at::Tensor near = (at::cdist(bond_centre, lig_pos) < options_.torsion_radius) &
                            (bond_graph.unsqueeze(1) == lig_graph.unsqueeze(0));  // (T, L)
    const at::Tensor pairs = near.nonzero();                                     // (P, 2): bond, ligand slot
    const at::Tensor bond = pairs.select(1, 0), atom = lig.index_select(0, pairs.select(1, 1));
    const at::Tensor r = g.positions.index_select(0, atom) - bond_centre.index_select(0, bond);
    const at::Tensor y_edge = spherical_harmonics(r, 1);                                // 0e + 1o
    const at::Tensor y_axis = spherical_harmonics(pv - pu, 2).narrow(1, 4, 5).index_select(0, bond);  // 2e
    const at::Tensor attr = at::cat({y_edge, couple(y_edge.narrow(1, 0, 1), 0, y_axis, 2, 2),
                                     couple(y_edge.narrow(1, 1, 3), 1, y_axis, 2, 1),
                                     couple(y_edge.narrow(1, 1, 3), 1, y_axis, 2, 2)}, 1);
    const at::Tensor bond_scalars = scalars.index_select(0, u) + scalars.index_select(0, v);  // symmetric in u, v
    const at::Tensor tor_emb = torsion_edge_embedding_->forward(
        at::cat({gaussian_distance_embedding(r.norm(2, 1), options_.torsion_radius, dd),
                 noise.index_select(0, bond_graph.index_select(0, bond))}, 1));
    const at::Tensor tor_out = torsion_conv_->forward(
        h, atom, bond, T, attr,
        at::cat({tor_emb, scalars.index_select(0, atom), bond_scalars.index_select(0, bond)}, 1));
    out.torsion = torsion_head_->forward(tor_out).reshape({T});
  }

  // --- latent logits: one per node and latent
  if (!pose_scores_only)
    out.latent_logits = options_.num_latents > 0 ? latent_head_->forward(at::cat({scalars, node_noise}, 1))
                                                 : at::zeros({N, 0}, opts);
  return out;
}

}  // namespace disco::equivariant
