// The graphs as LibTorch tensors, for a model. Positions float32 [N, 3]; indices int64.
#pragma once
#include <torch/types.h>

#include <map>
#include <string>

#include "complex.h"
#include "graph.h"

namespace disco::docking {

torch::Tensor to_tensor(const std::vector<Vec3>& points);              // [N, 3] float32
std::vector<Vec3> from_tensor(const torch::Tensor& points);            // [N, 3] -> points (double)
torch::Tensor edge_index(const EdgeList& edges);                       // [2, E] int64 (row 0 = src)

// Named tensors of one complex:
//   rec_pos [R,3], rec_n_offset [R,3], rec_c_offset [R,3], rec_type [R], rec_chain [R], rec_edge_index [2,E],
//   rec_embedding [R,D] (only when present),
//   lig_pos [L,3], lig_atom_features [L,F], lig_bond_index [2,2B] (both directions), lig_bond_features [2B,3],
//   tor_bonds [T,2], tor_mask [T,L] (bool).
std::map<std::string, torch::Tensor> complex_tensors(const Complex& complex);

}  // namespace disco::docking
