#pragma once
// A change of ligand pose in R^3 x SO(3) x T^n and how to apply it to atom positions.
#include <ATen/ATen.h>

namespace disco::equivariant {

struct PoseUpdate {
  at::Tensor translation;  // (B, 3) Å, added to the ligand centre
  at::Tensor rotation;     // (B, 3) axis-angle, applied about the ligand centre (left multiplication)
  at::Tensor torsion;      // (T,) radians, one per rotatable bond
};

// Rigid part: x' = R (x - c) + c + translation for the atoms of one ligand (c = mean of positions).
// positions: (L, 3); translation, rotation: (3,).
at::Tensor apply_rigid_update(const at::Tensor& positions, const at::Tensor& translation, const at::Tensor& rotation);

// Torsion part: for each bond t (u_t, v_t), rotates the atoms with rotates[t] set by angle[t] about the axis
// u_t -> v_t (right-hand rule), bond by bond in order. positions (L, 3); bonds (2, T) int64 indices into
// positions; rotates (T, L) bool (the side of v_t, from the data layer's torsion masks); angles (T,).
at::Tensor apply_torsion_updates(const at::Tensor& positions, const at::Tensor& bonds, const at::Tensor& rotates,
                                 const at::Tensor& angles);

}  // namespace disco::equivariant
