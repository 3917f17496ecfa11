#include "graph_tensors.h"

namespace disco::docking {

torch::Tensor to_tensor(const std::vector<Vec3>& points) {
  auto t = torch::empty({int64_t(points.size()), 3}, torch::kFloat32);
  auto a = t.accessor<float, 2>();
  for (size_t i = 0; i < points.size(); ++i) {
    a[int64_t(i)][0] = float(points[i].x);
    a[int64_t(i)][1] = float(points[i].y);
    a[int64_t(i)][2] = float(points[i].z);
  }
  return t;
}

std::vector<Vec3> from_tensor(const torch::Tensor& points) {
  const auto t = points.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  TORCH_CHECK(t.dim() == 2 && t.size(1) == 3, "from_tensor: expected [N, 3], got ", t.sizes());
  std::vector<Vec3> out(size_t(t.size(0)));
  const double* d = t.data_ptr<double>();
  for (size_t i = 0; i < out.size(); ++i) out[i] = {d[3 * i], d[3 * i + 1], d[3 * i + 2]};
  return out;
}

namespace {
torch::Tensor int_tensor(const std::vector<int32_t>& v, std::vector<int64_t> shape) {
  return torch::tensor(std::vector<int64_t>(v.begin(), v.end()), torch::kInt64).reshape(shape);
}
}  // namespace

torch::Tensor edge_index(const EdgeList& edges) {
  std::vector<int32_t> both(edges.src);
  both.insert(both.end(), edges.dst.begin(), edges.dst.end());
  return int_tensor(both, {2, int64_t(edges.size())});
}

std::map<std::string, torch::Tensor> complex_tensors(const Complex& c) {
  std::map<std::string, torch::Tensor> t;
  const auto& r = c.receptor;
  const int64_t R = r.num_nodes(), L = c.ligand.num_atoms(), T = c.ligand.torsions.size();
  t["rec_pos"] = to_tensor(r.ca);
  t["rec_n_offset"] = to_tensor(r.n_offset);
  t["rec_c_offset"] = to_tensor(r.c_offset);
  t["rec_type"] = int_tensor(r.residue_type, {R});
  t["rec_chain"] = int_tensor(r.chain_index, {R});
  t["rec_edge_index"] = edge_index(r.edges);
  if (r.embedding_dim > 0)
    t["rec_embedding"] = torch::tensor(r.embedding, torch::kFloat32).reshape({R, r.embedding_dim});
  t["lig_pos"] = to_tensor(c.ligand.pos);
  t["lig_atom_features"] = int_tensor(c.ligand.atom_features, {L, kNumAtomFeatures});
  const EdgeList bonds = c.ligand.bond_edges();
  t["lig_bond_index"] = edge_index(bonds);
  std::vector<int32_t> bond_features;
  for (size_t b = 0; b < c.ligand.bonds.size(); ++b)
    for (int rep = 0; rep < 2; ++rep)
      bond_features.insert(bond_features.end(), c.ligand.bond_features.begin() + long(b * kNumBondFeatures),
                           c.ligand.bond_features.begin() + long((b + 1) * kNumBondFeatures));
  t["lig_bond_features"] = int_tensor(bond_features, {int64_t(bonds.size()), kNumBondFeatures});
  std::vector<int32_t> tor_bonds;
  for (const auto& b : c.ligand.torsions.bonds) tor_bonds.insert(tor_bonds.end(), {b[0], b[1]});
  t["tor_bonds"] = int_tensor(tor_bonds, {T, 2});
  t["tor_mask"] = torch::tensor(std::vector<int64_t>(c.ligand.torsions.mask.begin(), c.ligand.torsions.mask.end()),
                                torch::kInt64)
                      .reshape({T, L})
                      .to(torch::kBool);
  return t;
}

}  // namespace disco::docking
