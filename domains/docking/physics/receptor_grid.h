// The receptor's half of the Vina score, precomputed: for every ligand atom type that occurs, the energy a probe
// atom of that type would have at each point of a regular grid over the search box (the sum of the pair terms
// with every receptor heavy atom within 8 Å), as Vina does. A pose is then scored by trilinear interpolation
// at its atoms, which costs the same for any receptor size and is differentiable in the atom positions
// (tensor ops only, so it runs on a GPU unchanged).
//
// Atoms outside the box get the value at the nearest box point plus kOutsidePenalty kcal/mol per Å outside (summed over the axes),
// which pulls a pose back into the box (Vina does the same with a steeper slope).
#pragma once
#include <ATen/core/Tensor.h>

#include <array>
#include <vector>

#include "geometry.h"
#include "xs_atom_types.h"

namespace disco::docking {

struct SearchBox {
  Vec3 centre;
  Vec3 size{22, 22, 22};  // Å: the box the ligand's atoms must stay in
  double spacing = 0.375;  // Å between grid points (Vina's default)
};

class ReceptorGrid {
 public:
  static constexpr double kOutsidePenalty = 10.0;  // kcal/mol per Å

  // `receptor_pos`/`receptor_types`: the receptor's heavy atoms; `ligand_types`: the types to make maps for.
  ReceptorGrid(const std::vector<Vec3>& receptor_pos, const std::vector<XsType>& receptor_types,
               const std::vector<XsType>& ligand_types, const SearchBox& box);

  // The channel of each ligand atom type, for `energy` (types not given to the constructor throw).
  at::Tensor channels(const std::vector<XsType>& ligand_types) const;
  // Per-atom energy [B, N] of poses pos [B, N, 3] (float64) whose atoms have the given channels [N] (int64).
  at::Tensor energy(const at::Tensor& pos, const at::Tensor& channels) const;

  const SearchBox& box() const { return box_; }
  std::array<int64_t, 3> points() const { return {nx_, ny_, nz_}; }
  const Vec3& origin() const { return origin_; }
  const at::Tensor& values() const { return values_; }  // [channels * nx * ny * nz] float64, x slowest

 private:
  SearchBox box_;
  Vec3 origin_;
  int64_t nx_ = 0, ny_ = 0, nz_ = 0;
  std::vector<XsType> channel_types_;
  at::Tensor values_;  // [channels * nx * ny * nz] float64, flattened
};

}  // namespace disco::docking
