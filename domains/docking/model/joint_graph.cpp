#include "joint_graph.h"

#include <ATen/ATen.h>

#include "graph.h"

namespace disco::docking {

namespace {

at::Tensor feature_offsets() {
  std::vector<int64_t> offsets;
  int64_t total = 0;
  for (int32_t s : kAtomFeatureSizes) {
    offsets.push_back(total);
    total += s;
  }
  return at::tensor(offsets, at::TensorOptions().dtype(at::kLong));
}

int64_t ligand_feature_width() {
  int64_t total = 0;
  for (int32_t s : kAtomFeatureSizes) total += s;
  return total;
}

}  // namespace

FlatJointGraph flatten_joint_graph(const Batch& batch, const at::Tensor& lig_pos, const at::Tensor& t,
                                   const EdgeRadii& radii) {
  const at::Tensor lig_mask = batch.at("lig_mask"), rec_mask = batch.at("rec_mask");
  const at::Tensor rec_pos = batch.at("rec_pos");
  const auto device = lig_pos.device();
  const auto i64 = at::TensorOptions().dtype(at::kLong).device(device);
  const int64_t B = lig_mask.size(0), L = lig_mask.size(1), R = rec_mask.size(1);
  const at::Tensor n_lig = lig_mask.sum(1), n_rec = rec_mask.sum(1), n_all = n_lig + n_rec;
  const at::Tensor start = n_all.cumsum(0) - n_all;  // (B,)
  const int64_t N = n_all.sum().item<int64_t>();

  FlatJointGraph out;
  const at::Tensor lig_node_all = start.unsqueeze(1) + at::arange(L, i64).unsqueeze(0);
  const at::Tensor rec_node_all = (start + n_lig).unsqueeze(1) + at::arange(R, i64).unsqueeze(0);
  out.ligand_node = at::where(lig_mask, lig_node_all, at::full_like(lig_node_all, -1));
  const at::Tensor rec_node = at::where(rec_mask, rec_node_all, at::full_like(rec_node_all, -1));
  const at::Tensor lig_ids = lig_node_all.masked_select(lig_mask), rec_ids = rec_node_all.masked_select(rec_mask);

  auto& g = out.graph;
  g.num_graphs = B;
  const auto fopts = lig_pos.options();
  g.positions = at::zeros({N, 3}, fopts)
                    .index_put({lig_ids}, lig_pos.masked_select(lig_mask.unsqueeze(2)).view({-1, 3}))
                    .index_put({rec_ids}, rec_pos.to(fopts).masked_select(rec_mask.unsqueeze(2)).view({-1, 3}));
  const at::Tensor example_all = at::arange(B, i64).unsqueeze(1);
  out.node_example = at::zeros({N}, i64)
                         .index_put({lig_ids}, example_all.expand({B, L}).masked_select(lig_mask))
                         .index_put({rec_ids}, example_all.expand({B, R}).masked_select(rec_mask));
  g.node_graph = out.node_example;
  const at::Tensor local_lig = at::arange(L, i64).unsqueeze(0).expand({B, L});
  const at::Tensor local_rec = n_lig.unsqueeze(1) + at::arange(R, i64).unsqueeze(0);
  out.node_local = at::zeros({N}, i64)
                       .index_put({lig_ids}, local_lig.masked_select(lig_mask))
                       .index_put({rec_ids}, local_rec.masked_select(rec_mask));
  g.is_ligand = at::zeros({N}, i64.dtype(at::kBool)).index_put({lig_ids}, at::ones({lig_ids.size(0)}, i64.dtype(at::kBool)));

  // One-hot node features: every ligand feature column, then the residue type.
  const int64_t width = ligand_feature_width();
  at::Tensor features = at::zeros({N, width + kNumResidueTypes}, fopts);
  const at::Tensor lig_cols = batch.at("lig_feat").masked_select(lig_mask.unsqueeze(2)).view({-1, kNumAtomFeatures}) +
                              feature_offsets().to(device).unsqueeze(0);
  const at::Tensor rec_cols = batch.at("rec_type").masked_select(rec_mask) + width;
  features.index_put_({lig_ids.unsqueeze(1).expand_as(lig_cols), lig_cols}, at::ones({}, fopts));
  features.index_put_({rec_ids, rec_cols}, at::ones({}, fopts));
  g.node_features = features;

  // Edges.
  std::vector<at::Tensor> src, dst;
  {
    const at::Tensor d = at::cdist(lig_pos, lig_pos);
    const at::Tensor eye = at::eye(L, i64.dtype(at::kBool)).unsqueeze(0);
    const at::Tensor pairs = ((d < radii.ligand) & lig_mask.unsqueeze(2) & lig_mask.unsqueeze(1) & ~eye).nonzero();
    const at::Tensor b = pairs.select(1, 0);
    src.push_back(out.ligand_node.index({b, pairs.select(1, 1)}));
    dst.push_back(out.ligand_node.index({b, pairs.select(1, 2)}));
  }
  {
    const at::Tensor e = batch.at("rec_edges");  // (B, E, 2)
    const at::Tensor pairs = (e.select(2, 0) >= 0).nonzero();
    const at::Tensor b = pairs.select(1, 0), k = pairs.select(1, 1);
    src.push_back(rec_node.index({b, e.index({b, k, at::zeros_like(k)})}));
    dst.push_back(rec_node.index({b, e.index({b, k, at::ones_like(k)})}));
  }
  {
    const at::Tensor d = at::cdist(lig_pos, rec_pos.to(fopts));
    const at::Tensor pairs = ((d < radii.cross) & lig_mask.unsqueeze(2) & rec_mask.unsqueeze(1)).nonzero();
    const at::Tensor b = pairs.select(1, 0);
    const at::Tensor a = out.ligand_node.index({b, pairs.select(1, 1)}), r = rec_node.index({b, pairs.select(1, 2)});
    src.push_back(a);
    dst.push_back(r);
    src.push_back(r);
    dst.push_back(a);
  }
  g.edge_index = at::stack({at::cat(src), at::cat(dst)});

  // Rotatable bonds, example-major.
  const at::Tensor tor = batch.at("tor_bonds");  // (B, T, 2)
  out.torsion_valid = tor.select(2, 0) >= 0;
  const at::Tensor tp = out.torsion_valid.nonzero();
  const at::Tensor tb = tp.select(1, 0), tt = tp.select(1, 1);
  g.rotatable_bonds = at::stack({out.ligand_node.index({tb, tor.index({tb, tt, at::zeros_like(tt)})}),
                                 out.ligand_node.index({tb, tor.index({tb, tt, at::ones_like(tt)})})});
  g.noise_level = t.to(fopts).reshape({B}).clamp(0.0, 1.0);
  return out;
}

std::pair<at::Tensor, at::Tensor> node_logits_to_codes(const FlatJointGraph& g, const at::Tensor& node_logits,
                                                       int64_t num_examples, int64_t k) {
  const int64_t m = node_logits.size(1);
  const at::Tensor keep = (g.node_local < k).nonzero().reshape({-1});
  const at::Tensor b = g.node_example.index_select(0, keep), local = g.node_local.index_select(0, keep);
  const at::Tensor logits = at::full({num_examples, k, m}, -1e9, node_logits.options())
                                .index_put({b, local}, node_logits.index_select(0, keep))
                                .permute({0, 2, 1});
  const auto flag = at::TensorOptions().dtype(at::kBool).device(node_logits.device());
  const at::Tensor mask = at::zeros({num_examples, k}, flag)
                              .index_put({b, local}, at::ones({keep.size(0)}, flag))
                              .unsqueeze(1)
                              .expand({num_examples, m, k});
  return {logits.contiguous(), mask.contiguous()};
}

at::Tensor codes_to_node_weights(const FlatJointGraph& g, const at::Tensor& codes) {
  const int64_t N = g.node_local.size(0), m = codes.size(1), k = codes.size(2);
  const at::Tensor keep = (g.node_local < k).nonzero().reshape({-1});
  const at::Tensor values = codes.permute({0, 2, 1}).index({g.node_example.index_select(0, keep),
                                                              g.node_local.index_select(0, keep)});  // (n, m)
  return at::zeros({N, m}, codes.options()).index_put({keep}, values);
}

}  // namespace disco::docking
