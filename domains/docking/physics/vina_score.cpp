#include "vina_score.h"

#include <ATen/ATen.h>

#include <cmath>

#include "disco/error.h"
#include "vina_terms.h"

namespace disco::docking {

ReceptorAtoms receptor_atoms(const PdbqtMolecule& receptor, const std::string& name) {
  ReceptorAtoms r;
  std::vector<int64_t> heavy;
  r.types = xs_types(receptor.atoms, name, &heavy);
  for (int64_t i : heavy) r.pos.push_back(receptor.atoms[size_t(i)].pos);
  if (r.pos.empty()) throw DataError(name + ": the receptor has no heavy atom");
  r.cells = std::make_shared<const CellList>(r.pos, kVinaCutoff);
  return r;
}

VinaScore::VinaScore(ReceptorAtoms receptor, VinaLigand ligand, const SearchBox& box)
    : receptor_(std::move(receptor)), ligand_(std::move(ligand)), grid_(receptor_.pos, receptor_.types, ligand_.types, box) {
  channels_ = grid_.channels(ligand_.types);
  const int64_t p = int64_t(ligand_.intra_pairs.size());
  std::vector<int64_t> index;
  std::vector<double> radius, hydrophobic, hbond;
  for (const auto& pair : ligand_.intra_pairs) {
    index.push_back(pair[0]);
    index.push_back(pair[1]);
    const VinaPairKind k = vina_pair_kind(ligand_.types[size_t(pair[0])], ligand_.types[size_t(pair[1])]);
    radius.push_back(k.radius_sum);
    hydrophobic.push_back(k.hydrophobic);
    hbond.push_back(k.hydrogen_bond);
  }
  pair_index_ = at::tensor(index, at::kLong).view({p, 2});
  pair_radius_sum_ = at::tensor(radius, at::kDouble);
  pair_hydrophobic_ = at::tensor(hydrophobic, at::kDouble);
  pair_hydrogen_bond_ = at::tensor(hbond, at::kDouble);
}

at::Tensor VinaScore::intermolecular(const at::Tensor& pos) const { return grid_.energy(pos, channels_).sum(-1); }

at::Tensor VinaScore::total(const at::Tensor& pos) const { return intermolecular(pos) + intramolecular(pos); }

at::Tensor VinaScore::intramolecular(const at::Tensor& pos) const {
  if (pair_index_.size(0) == 0) return at::zeros({pos.size(0)}, pos.options());
  const auto dev = pos.device();
  const at::Tensor a = pos.index_select(1, pair_index_.select(1, 0).to(dev));
  const at::Tensor b = pos.index_select(1, pair_index_.select(1, 1).to(dev));
  // sqrt(|a - b|^2 + tiny): intramolecular pairs are never at distance 0, but the gradient must stay finite.
  const at::Tensor r = ((a - b).square().sum(-1) + 1e-12).sqrt();
  return vina_pair_energy(r, pair_radius_sum_.to(dev), pair_hydrophobic_.to(dev), pair_hydrogen_bond_.to(dev)).sum(-1);
}

PoseEnergyProblem VinaScore::energy_problem(const TorsionSet& torsions) const {
  PoseEnergyProblem p;
  const at::Tensor channels = channels_.contiguous();
  p.channel.assign(channels.data_ptr<int64_t>(), channels.data_ptr<int64_t>() + channels.numel());
  p.pairs = ligand_.intra_pairs;
  for (const auto& pair : ligand_.intra_pairs)
    p.pair_kinds.push_back(vina_pair_kind(ligand_.types[size_t(pair[0])], ligand_.types[size_t(pair[1])]));
  for (int64_t k = 0; k < torsions.size(); ++k) {
    p.torsion_axis.push_back(torsions.bonds[size_t(k)]);
    std::vector<int32_t> moving;
    for (int64_t a = 0; a < torsions.num_atoms; ++a)
      if (torsions.moves(k, a)) moving.push_back(int32_t(a));
    p.torsion_moving.push_back(std::move(moving));
  }
  p.grid = grid_.values().data_ptr<double>();
  const auto points = grid_.points();
  p.nx = points[0], p.ny = points[1], p.nz = points[2];
  p.origin = grid_.origin();
  p.spacing = grid_.box().spacing;
  p.outside_penalty = ReceptorGrid::kOutsidePenalty;
  return p;
}

double VinaScore::intermolecular_exact(const std::vector<Vec3>& pos) const {
  double e = 0;
  for (size_t i = 0; i < pos.size(); ++i)
    receptor_.cells->for_each_within(pos[i], kVinaCutoff, [&](int64_t j, double r2) {
      e += vina_pair_energy(std::sqrt(r2), vina_pair_kind(ligand_.types[i], receptor_.types[size_t(j)]));
    });
  return e;
}

double VinaScore::intramolecular_exact(const std::vector<Vec3>& pos) const {
  double e = 0;
  for (const auto& pair : ligand_.intra_pairs)
    e += vina_pair_energy(distance(pos[size_t(pair[0])], pos[size_t(pair[1])]),
                          vina_pair_kind(ligand_.types[size_t(pair[0])], ligand_.types[size_t(pair[1])]));
  return e;
}

VinaScore make_vina_score(const std::string& protein_path, const std::string& ligand_molblock, int64_t num_atoms,
                          const std::vector<std::array<int32_t, 2>>& bonds, const SearchBox& box, const std::string& name) {
  VinaLigand ligand = make_vina_ligand(ligand_pdbqt(ligand_molblock, name), num_atoms, bonds, name);
  return VinaScore(receptor_atoms(receptor_pdbqt(protein_path), protein_path), std::move(ligand), box);
}

}  // namespace disco::docking
