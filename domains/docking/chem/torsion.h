// Rotatable bonds, the atoms each one moves, and the pose transform of a flexible ligand:
// torsion changes plus a rigid SE(3) motion (DiffDock's R^3 x SO(3) x T^m pose space).
//
// A bond is rotatable when it is not in a ring (removing it disconnects the graph), is not a triple bond,
// and leaves at least two heavy atoms on each side (rotating a terminal atom about its own bond moves
// nothing). The moving side of each bond is the smaller one; bonds[i] = {u, v} is oriented so that v is on
// the moving side, and a positive angle rotates it right-handedly about the axis u -> v.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "geometry.h"

namespace disco::docking {

struct TorsionSet {
  int64_t num_atoms = 0;
  std::vector<std::array<int32_t, 2>> bonds;      // {u, v}: the axis; v's side moves
  std::vector<uint8_t> mask;                      // [num_torsions, num_atoms] row-major: 1 = moves
  std::vector<std::array<int32_t, 4>> dihedrals;  // {a, u, v, d}: a defining dihedral (lowest-index neighbours)
  int64_t size() const { return int64_t(bonds.size()); }
  bool moves(int64_t torsion, int64_t atom) const { return mask[size_t(torsion * num_atoms + atom)] != 0; }
};

// bonds: each bond once; bond_is_triple: same length (may be empty = none).
TorsionSet find_torsions(int64_t num_atoms, const std::vector<std::array<int32_t, 2>>& bonds,
                         const std::vector<bool>& bond_is_triple = {});

// The torsions with keep[i] set, in their order (keep: one flag per torsion).
TorsionSet select_torsions(const TorsionSet& torsions, const std::vector<bool>& keep);

// Rotates the moving atoms of each torsion i by delta[i] radians, in order, about the current axis.
void apply_torsion_changes(std::vector<Vec3>& pos, const TorsionSet& torsions, const std::vector<double>& delta);
// The dihedral angle of each torsion (its `dihedrals` atoms) in radians.
std::vector<double> torsion_angles(const std::vector<Vec3>& pos, const TorsionSet& torsions);
// Sets every torsion to the given dihedral angles (radians), by applying the needed changes.
void set_torsion_angles(std::vector<Vec3>& pos, const TorsionSet& torsions, const std::vector<double>& angles);

// x -> R (x - c) + c + t with c = the centroid of `pos`: rotation about the ligand's own centre, then
// translation.
void apply_rigid(std::vector<Vec3>& pos, const Mat3& rotation, const Vec3& translation);

// DiffDock's pose update, which combines these, is diffusion/pose_update.h.

}  // namespace disco::docking
