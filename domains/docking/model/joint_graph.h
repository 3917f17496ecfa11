// From the padded batch layout (docking_example.h) to the score model's flat joint graph: per example its
// ligand atoms then its pocket residues, concatenated over the batch; edges built from the current ligand
// pose (ligand-ligand within ligand_radius, which includes every bond; receptor-receptor from the example;
// ligand-receptor both ways within cross_radius).
//
// Node-local index: ligand atom i is i, residue j is L_b + j (L_b = that example's atom count). A DisCo latent
// picks one node-local index below k (latent.k): the first k nodes of each example's joint graph.
#pragma once
#include <ATen/core/Tensor.h>

#include "disco/batch.h"
#include "equivariant/score_model.h"

namespace disco::docking {

struct EdgeRadii {
  double ligand = 5.0;  // Å
  double cross = 12.0;  // Å
};

struct FlatJointGraph {
  equivariant::JointGraph graph;
  at::Tensor node_example;  // (N,) example b of each node (= graph.node_graph)
  at::Tensor node_local;    // (N,) node-local index
  at::Tensor ligand_node;   // (B, L) flat node of ligand atom (b, i), -1 for padding
  at::Tensor torsion_valid; // (B, T) bool: which padded torsion rows are real (rows of graph.rotatable_bonds)
};

// lig_pos: (B, L, 3), the ligand pose to use (the batch's own "lig_pos" or another, e.g. "prior_pos");
// t: (B,) noise level in [0, 1] written to graph.noise_level.
FlatJointGraph flatten_joint_graph(const Batch& batch, const at::Tensor& lig_pos, const at::Tensor& t,
                                   const EdgeRadii& radii);

// Per-example logits (N, m) of the nodes -> (B, m, k) logits and the bool mask of valid codes (node-local
// index < min(k, nodes of b)); invalid entries hold a large negative value.
std::pair<at::Tensor, at::Tensor> node_logits_to_codes(const FlatJointGraph& g, const at::Tensor& node_logits,
                                                       int64_t num_examples, int64_t k);

// Latent codes (B, m, k) (one-hot or relaxed) -> per-node weights (N, m) for the score model's
// latent_node_weights (nodes with local index >= k get 0).
at::Tensor codes_to_node_weights(const FlatJointGraph& g, const at::Tensor& codes);

}  // namespace disco::docking
