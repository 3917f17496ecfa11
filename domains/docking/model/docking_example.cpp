#include "docking_example.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "complex.h"
#include "disco/error.h"
#include "protein.h"

namespace disco::docking {

namespace {

// A uniformly random rotation (a normalised Gaussian quaternion).
Mat3 random_rotation(std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  double q[4];
  double n = 0;
  do {
    for (double& v : q) v = normal(rng);
    n = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  } while (n < 1e-9);
  const double w = q[0] / n, x = q[1] / n, y = q[2] / n, z = q[3] / n;
  Mat3 r;
  r.m = {1 - 2 * (y * y + z * z), 2 * (x * y - w * z),     2 * (x * z + w * y),
         2 * (x * y + w * z),     1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
         2 * (x * z - w * y),     2 * (y * z + w * x),     1 - 2 * (x * x + y * y)};
  return r;
}

}  // namespace

int64_t node_feature_dim() {
  int64_t width = 0;
  for (int32_t s : kAtomFeatureSizes) width += s;
  return width + kNumResidueTypes;
}

DockingExample make_example(const Complex& complex, const Vec3& centre, const PocketOptions& o, uint64_t seed) {
  DockingExample e;
  e.id = complex.id;
  const LigandGraph& lig = complex.ligand;
  if (lig.num_atoms() > o.max_ligand_atoms)
    throw DataError(complex.id + ": the ligand has " + std::to_string(lig.num_atoms()) +
                    " heavy atoms, more than data.max_ligand_atoms = " + std::to_string(o.max_ligand_atoms));
  if (lig.torsions.size() > o.max_ligand_atoms - 2)
    throw DataError(complex.id + ": the ligand has more rotatable bonds than data.max_ligand_atoms - 2");
  e.lig_pos = lig.pos;
  e.reference_pos = lig.pos;
  e.atom_features = lig.atom_features;
  e.torsions = lig.torsions;
  e.molblock = complex.ligand_molblock;
  e.protein_file = complex.protein_file;
  e.ligand_file = complex.ligand_file;
  e.automorphisms = lig.automorphisms;
  e.pocket_centre = centre;

  // Pocket residues, nearest to the centre first.
  const ReceptorGraph& rec = complex.receptor;
  std::vector<int64_t> order(size_t(rec.num_nodes()));
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> d2(order.size());
  for (size_t i = 0; i < order.size(); ++i) d2[i] = distance2(rec.ca[i], centre);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return d2[size_t(a)] < d2[size_t(b)]; });
  for (int64_t i : order) {
    if (int64_t(e.rec_pos.size()) >= o.max_residues) break;
    if (o.pocket_radius > 0 && d2[size_t(i)] > o.pocket_radius * o.pocket_radius) break;
    e.rec_pos.push_back(rec.ca[size_t(i)]);
    e.rec_type.push_back(rec.residue_type[size_t(i)]);
    if (size_t(i) < rec.residues.size()) e.rec_residues.push_back(rec.residues[size_t(i)]);
  }
  if (e.rec_pos.empty())
    throw DataError(complex.id + ": no receptor residue within data.pocket_radius = " + std::to_string(o.pocket_radius) +
                    " Å of the pocket centre");
  e.rec_edges = radius_edges(e.rec_pos, o.receptor_radius, o.receptor_max_neighbours);

  // The prior's input: random torsions, a random orientation, centred on the pocket centre.
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  std::vector<Vec3> pos = lig.pos;
  std::vector<double> delta(size_t(lig.torsions.size()));
  for (double& a : delta) a = angle(rng);
  apply_torsion_changes(pos, lig.torsions, delta);
  const Vec3 c = centroid(pos);
  const Mat3 r = random_rotation(rng);
  for (Vec3& p : pos) p = r * (p - c) + centre;
  e.prior_pos = std::move(pos);
  return e;
}

namespace {

void put(at::Tensor& t, int64_t b, int64_t i, const Vec3& v) {
  auto a = t.accessor<float, 3>();
  a[b][i][0] = float(v.x);
  a[b][i][1] = float(v.y);
  a[b][i][2] = float(v.z);
}

}  // namespace

Batch pack_examples(const std::vector<const DockingExample*>& examples, const PocketOptions& o,
                    const std::vector<int64_t>& indices) {
  const int64_t B = int64_t(examples.size()), L = o.max_ligand_atoms, R = o.max_residues, T = L - 2;
  const int64_t F = kNumAtomFeatures, E = R * o.receptor_max_neighbours;
  const auto f32 = at::TensorOptions().dtype(at::kFloat), i64 = at::TensorOptions().dtype(at::kLong);
  const auto flag = at::TensorOptions().dtype(at::kBool);
  at::Tensor lig_pos = at::zeros({B, L, 3}, f32), prior_pos = at::zeros({B, L, 3}, f32);
  at::Tensor lig_mask = at::zeros({B, L}, flag), lig_feat = at::zeros({B, L, F}, i64);
  at::Tensor tor_bonds = at::full({B, T, 2}, -1, i64), tor_mask = at::zeros({B, T, L}, flag);
  at::Tensor rec_pos = at::zeros({B, R, 3}, f32), rec_mask = at::zeros({B, R}, flag), rec_type = at::zeros({B, R}, i64);
  at::Tensor rec_edges = at::full({B, E, 2}, -1, i64), centre = at::zeros({B, 3}, f32);
  auto lm = lig_mask.accessor<bool, 2>();
  auto lf = lig_feat.accessor<int64_t, 3>();
  auto tb = tor_bonds.accessor<int64_t, 3>();
  auto tm = tor_mask.accessor<bool, 3>();
  auto rm = rec_mask.accessor<bool, 2>();
  auto rt = rec_type.accessor<int64_t, 2>();
  auto re = rec_edges.accessor<int64_t, 3>();
  auto ce = centre.accessor<float, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const DockingExample& e = *examples[size_t(b)];
    for (int64_t i = 0; i < e.num_atoms(); ++i) {
      put(lig_pos, b, i, e.lig_pos[size_t(i)]);
      put(prior_pos, b, i, e.prior_pos[size_t(i)]);
      lm[b][i] = true;
      for (int64_t f = 0; f < F; ++f) lf[b][i][f] = e.atom_features[size_t(i * F + f)];
    }
    for (int64_t t = 0; t < e.torsions.size(); ++t) {
      tb[b][t][0] = e.torsions.bonds[size_t(t)][0];
      tb[b][t][1] = e.torsions.bonds[size_t(t)][1];
      for (int64_t i = 0; i < e.num_atoms(); ++i) tm[b][t][i] = e.torsions.moves(t, i);
    }
    for (int64_t j = 0; j < e.num_residues(); ++j) {
      put(rec_pos, b, j, e.rec_pos[size_t(j)]);
      rm[b][j] = true;
      rt[b][j] = e.rec_type[size_t(j)];
    }
    for (size_t k = 0; k < e.rec_edges.size() && int64_t(k) < E; ++k) {
      re[b][int64_t(k)][0] = e.rec_edges.src[k];
      re[b][int64_t(k)][1] = e.rec_edges.dst[k];
    }
    ce[b][0] = float(e.pocket_centre.x);
    ce[b][1] = float(e.pocket_centre.y);
    ce[b][2] = float(e.pocket_centre.z);
  }
  Batch batch;
  batch.size = B;
  batch.tensors = {{"lig_pos", lig_pos},     {"lig_mask", lig_mask},   {"lig_feat", lig_feat},
                   {"tor_bonds", tor_bonds}, {"tor_mask", tor_mask},   {"rec_pos", rec_pos},
                   {"rec_mask", rec_mask},   {"rec_type", rec_type},   {"rec_edges", rec_edges},
                   {"pocket_centre", centre}, {"prior_pos", prior_pos},
                   {"example", at::tensor(std::vector<int64_t>(indices.begin(), indices.end()), i64)}};
  return batch;
}

}  // namespace disco::docking
