// The Vina-family score of one complex, on tensors: the receptor side precomputed once (grid maps over the
// search box for the refinement, the receptor's atoms for exact scoring), the ligand side from its PDBQT
// preparation. Scores batches of poses [B, N, 3] (float64, heavy atoms in the molecule's order):
//   intermolecular  sum of the pair terms between ligand and receptor atoms (grid: trilinear interpolation)
//   intramolecular  the same terms over the ligand's intra_pairs (vina_ligand.h)
//   affinity        intermolecular x affinity_factor(), kcal/mol: what `vina --score_only` reports
// Refinement minimises intermolecular + intramolecular, as Vina's search does.
#pragma once
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

#include "cell_list.h"
#include "pose_energy_kernel.h"
#include "receptor_grid.h"
#include "torsion.h"
#include "vina_ligand.h"

namespace disco::docking {

// The receptor's heavy atoms and their types, with a cell list for exact scoring.
struct ReceptorAtoms {
  std::vector<Vec3> pos;
  std::vector<XsType> types;
  std::shared_ptr<const CellList> cells;
};
ReceptorAtoms receptor_atoms(const PdbqtMolecule& receptor, const std::string& name);

class VinaScore {
 public:
  // Builds the grid maps for the ligand's types over `box`.
  VinaScore(ReceptorAtoms receptor, VinaLigand ligand, const SearchBox& box);

  at::Tensor intermolecular(const at::Tensor& pos) const;  // [B], grid
  at::Tensor intramolecular(const at::Tensor& pos) const;  // [B]
  at::Tensor total(const at::Tensor& pos) const;           // [B], what refinement minimises
  // Exact (no grid, no box) intermolecular energy of one pose, kcal/mol.
  double intermolecular_exact(const std::vector<Vec3>& pos) const;
  double intramolecular_exact(const std::vector<Vec3>& pos) const;
  double affinity(double intermolecular) const { return intermolecular * ligand_.affinity_factor(); }

  // What fused_pose_energy needs to evaluate total() with these torsions on the CPU (pointing into this score).
  PoseEnergyProblem energy_problem(const TorsionSet& torsions) const;

  const VinaLigand& ligand() const { return ligand_; }
  const ReceptorGrid& grid() const { return grid_; }

 private:
  ReceptorAtoms receptor_;
  VinaLigand ligand_;
  ReceptorGrid grid_;
  at::Tensor channels_;         // [N] grid channel per ligand atom
  at::Tensor pair_index_;       // [P, 2]
  at::Tensor pair_radius_sum_;  // [P]
  at::Tensor pair_hydrophobic_, pair_hydrogen_bond_;  // [P] 0/1
};

// The score of a ligand (a MOL block of heavy atoms, as molecule.h writes it, and its heavy-atom bonds) in the
// receptor of `protein_path` (PDB, PDBQT or any format Open Babel reads), both prepared as autodock_input.h says.
VinaScore make_vina_score(const std::string& protein_path, const std::string& ligand_molblock, int64_t num_atoms,
                          const std::vector<std::array<int32_t, 2>>& bonds, const SearchBox& box, const std::string& name);

}  // namespace disco::docking
