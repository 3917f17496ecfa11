// A flexible ligand's pose as a vector of parameters, the space Vina searches and the one disco's diffusion
// samples in: [translation (3, Å), rotation vector (3, rad), torsion changes (T, rad)] relative to a reference
// pose. Coordinates follow by tensor ops only, so energies of the coordinates are differentiable in the
// parameters (autograd) on any device.
#pragma once
#include <ATen/core/Tensor.h>

#include "torsion.h"

namespace disco::docking {

struct TorsionTensors {
  at::Tensor axis;  // [T, 2] int64: {u, v}; v's side moves
  at::Tensor mask;  // [T, N] bool: the atoms each torsion moves
  int64_t size() const { return axis.size(0); }
};
TorsionTensors torsion_tensors(const TorsionSet& torsions);

// 6 + number of torsions.
inline int64_t pose_parameter_count(const TorsionTensors& t) { return 6 + t.size(); }

// reference [B, N, 3], params [B, 6 + T] -> coordinates [B, N, 3]: each torsion change in order (about its
// bond's current axis), then the rotation about the reference's centroid, then the translation.
at::Tensor posed_coordinates(const at::Tensor& reference, const at::Tensor& params, const TorsionTensors& torsions);

// Rotation matrices [B, 3, 3] of rotation vectors [B, 3] (Rodrigues; smooth at 0).
at::Tensor rotation_matrices(const at::Tensor& rotation_vectors);

}  // namespace disco::docking
