#pragma once
// The SE(3)-equivariant score network of DisCo-DiffDock (App. E of the paper; architecture after
// DiffDock, Corso et al. 2023, written from its description): tensor-product message passing over the joint
// graph of ligand atoms and receptor residues, and three heads:
//   - translation score (1o vector) and rotation score (1e pseudovector): a final tensor-product
//     convolution from the ligand atoms to the ligand centre, whose norms are rescaled by an MLP;
//   - one torsion score per rotatable bond: a bond-centred tensor-product convolution over the ligand atoms
//     near the bond centre, with edge attributes coupled to the bond axis's l = 2 harmonics, giving an odd
//     scalar (0o: a reflection flips the sign of a dihedral);
//   - latent logits: one invariant scalar per node and latent (the DisCo latents pick nodes of the graph).
// Conditioning on chosen nodes: a learned flag vector per latent is added to the chosen node's initial
// scalars (the same as concatenating a one-hot node label and embedding it); a dropped latent (-1) adds a
// learned null vector to every node of its graph instead.
//
// Everything is plain tensors, batched over B graphs by a node -> graph index.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <string>
#include <vector>

#include "equivariant/irreps.h"
#include "equivariant/tensor_product_conv.h"

namespace disco::equivariant {

struct ScoreModelOptions {
  int64_t node_feature_dim = 16;  // width of JointGraph::node_features
  int64_t edge_feature_dim = 0;   // width of JointGraph::edge_features (0: none)
  std::string hidden_irreps = "24x0e + 24x0o + 6x1o + 6x1e";  // DiffDock-S
  int sh_lmax = 1;                // edge spherical harmonics (1 or 2)
  int64_t num_layers = 5;
  int64_t noise_embedding_dim = 32;
  int64_t distance_embedding_dim = 32;
  double max_edge_distance = 30.0;    // range of the Gaussian distance embedding (Å)
  double center_max_distance = 30.0;  // range of the embedding for atom -> ligand centre edges
  double torsion_radius = 5.0;        // ligand atoms within this distance of a bond centre feed its score
  int64_t mlp_hidden = 48;            // hidden width of every edge MLP
  int64_t num_latents = 2;            // m: latent logit heads (0: none)
};

// A batch of joint graphs. Messages flow edge_index[0] (src) -> edge_index[1] (dst); give both directions
// for an undirected edge. Positions in Å.
struct JointGraph {
  at::Tensor positions;        // (N, 3) float
  at::Tensor node_features;    // (N, node_feature_dim) invariant features (element, residue type, ...)
  at::Tensor is_ligand;        // (N,) bool
  at::Tensor node_graph;       // (N,) int64 in [0, num_graphs)
  int64_t num_graphs = 1;
  at::Tensor edge_index;       // (2, E) int64, ligand-ligand, receptor-receptor and cross edges
  at::Tensor edge_features;    // (E, edge_feature_dim) or undefined when edge_feature_dim == 0
  at::Tensor rotatable_bonds;  // (2, T) int64 node indices (u, v) of ligand atoms; may be (2, 0)
  at::Tensor noise_level;      // (num_graphs,) diffusion time t in [0, 1]
  at::Tensor latent_nodes;     // (num_graphs, num_latents) int64 node index or -1 (dropped); or undefined
  // Alternative to latent_nodes that carries gradients (DisCo training through the Gumbel-Softmax): the
  // weight of each latent's flag on each node (N, num_latents), e.g. the one-hot or relaxed code of that
  // node, and which graphs use the null embedding instead (num_graphs,) bool. Used when defined.
  at::Tensor latent_node_weights;
  at::Tensor latent_dropped;
};

struct ScoreOutputs {
  at::Tensor translation;    // (B, 3)  1o
  at::Tensor rotation;       // (B, 3)  1e, axis-angle tangent vector
  at::Tensor torsion;        // (T,)    0o, one per rotatable bond
  at::Tensor latent_logits;  // (N, num_latents) 0e
  at::Tensor node_features;  // (N, hidden.dim) final node features
};

// What a forward has to produce. pose_scores: the translation, rotation and torsion scores only. They read the
// ligand atoms alone after the last layer, so that layer computes only the messages into ligand atoms (most of
// its edges end at pocket residues) and latent_logits and node_features are left undefined. The scores are the
// same as with all.
enum class ScoreOutputsWanted { all, pose_scores };

class ScoreModelImpl : public torch::nn::Module {
 public:
  explicit ScoreModelImpl(ScoreModelOptions options);
  ScoreOutputs forward(const JointGraph& graph, ScoreOutputsWanted wanted = ScoreOutputsWanted::all);
  const ScoreModelOptions& options() const { return options_; }
  const Irreps& hidden_irreps() const { return hidden_; }

 private:
  ScoreModelOptions options_;
  Irreps hidden_, sh_;
  int64_t ns_ = 0;  // even scalars per node
  torch::nn::Linear ligand_embedding_{nullptr}, receptor_embedding_{nullptr};
  torch::nn::Sequential edge_embedding_{nullptr}, center_edge_embedding_{nullptr}, torsion_edge_embedding_{nullptr};
  std::vector<TensorProductConv> layers_;
  TensorProductConv center_conv_{nullptr}, torsion_conv_{nullptr};
  torch::nn::Sequential translation_norm_{nullptr}, rotation_norm_{nullptr}, torsion_head_{nullptr};
  torch::nn::Sequential latent_head_{nullptr};
  at::Tensor latent_flags_, latent_null_;  // (num_latents, ns)
};
TORCH_MODULE(ScoreModel);

// Irreps of the torsion-head edge attributes: Y(atom - bond centre) (0e + 1o) followed by its couplings
// with the bond axis's l = 2 harmonics (2e, 1o, 2o).
Irreps torsion_edge_attr_irreps();

}  // namespace disco::equivariant
