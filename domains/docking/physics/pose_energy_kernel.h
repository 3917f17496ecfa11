// The refinement's objective on the CPU as one fused loop per pose: coordinates from pose parameters, the grid
// and intramolecular energy, and the analytic gradient in the pose space, in double precision. It computes
// exactly what posed_coordinates + VinaScore::total + autograd compute (the tests compare them), at a small
// fraction of the cost: LibTorch's per-op overhead dominates the tensor path for 40 poses of 30 atoms, and a
// refinement evaluates the objective thousands of times. The tensor path stays for other devices.
//
// The gradient (forces f_i = dE/dx_i on the final coordinates x_i):
//   translation  sum_i f_i
//   rotation     J_l(w)^T sum_i (x_i - c - t) x f_i   (J_l: SO(3)'s left Jacobian at the rotation vector w)
//   torsion k    a_k . sum_{i moved by k} (x_i - x_v) x f_i  (a_k: the unit bond vector u -> v, final coordinates)
#pragma once
#include <ATen/core/Tensor.h>

#include <array>
#include <utility>
#include <vector>

#include "geometry.h"
#include "vina_terms.h"

namespace disco::docking {

struct PoseEnergyProblem {
  std::vector<int64_t> channel;                       // per ligand atom: its grid map
  std::vector<std::array<int32_t, 2>> pairs;          // intramolecular pairs
  std::vector<VinaPairKind> pair_kinds;
  std::vector<std::array<int32_t, 2>> torsion_axis;   // {u, v} per torsion, in application order
  std::vector<std::vector<int32_t>> torsion_moving;   // the atoms each torsion moves
  const double* grid = nullptr;                       // [channels, nx, ny, nz]
  int64_t nx = 0, ny = 0, nz = 0;
  Vec3 origin;
  double spacing = 0.375, outside_penalty = 10;
};

// Work space of pose_energy, reused across calls.
struct PoseScratch {
  std::vector<Vec3> coords, forces;
};

// One pose: `reference` [N, 3] and `params` [6 + T] -> the energy; its gradient [6 + T] into `gradient` unless that is
// null. No allocation once `scratch` has grown to N atoms.
double pose_energy(const PoseEnergyProblem& problem, const double* reference, int64_t num_atoms, const double* params,
                   double* gradient, PoseScratch& scratch);
// The coordinates of one pose (what pose_energy scores), and the reference centroid the rotation turns about.
void pose_coordinates(const PoseEnergyProblem& problem, const double* reference, int64_t num_atoms, const double* params,
                      std::vector<Vec3>& coords, Vec3* centre = nullptr);

// reference [B, N, 3] and params [B, 6 + T], float64 on the CPU -> {energy [B], gradient [B, 6 + T]}.
std::pair<at::Tensor, at::Tensor> fused_pose_energy(const PoseEnergyProblem& problem, const at::Tensor& reference,
                                                    const at::Tensor& params);

}  // namespace disco::docking
