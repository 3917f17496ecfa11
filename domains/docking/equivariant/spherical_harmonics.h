#pragma once
// Real spherical harmonics up to l = 2 with "component" normalisation: on the unit sphere the
// components of degree l have mean square 1, i.e. sum_m Y_lm(x)^2 = 2l + 1 for |x| = 1.
//
// Ordering (chosen so that the l = 1 representation matrix is R itself):
//   l = 0: 1
//   l = 1: sqrt(3) (x, y, z)
//   l = 2: sqrt(15) xy, sqrt(15) yz, sqrt(5)/2 (3z^2 - 1), sqrt(15) xz, sqrt(15)/2 (x^2 - y^2)
#include <ATen/ATen.h>

namespace disco::equivariant {

class Irreps;

// vectors: (..., 3). Returns (..., sum_{l<=lmax} (2l+1)). With normalize, the vectors are first scaled to
// unit length (a zero vector stays zero, so only its l = 0 and the constant part of l = 2 survive).
at::Tensor spherical_harmonics(const at::Tensor& vectors, int lmax, bool normalize = true);

// The real representation matrix D^l(R) of a proper rotation R (3 x 3): Y_l(R x) = D^l(R) Y_l(x).
// l = 0: [1]; l = 1: R; l = 2: solved numerically from the harmonics at fixed sample points.
at::Tensor wigner_d(int l, const at::Tensor& rotation);

// The representation of an orthogonal Q (det +-1) on features with these irreps: block diagonal, each
// block parity^[det Q < 0] D^l(det(Q) Q). (Declared here to keep irreps.h free of tensors.)
at::Tensor irreps_representation(const Irreps& irreps, const at::Tensor& orthogonal);

// Rotation matrix from an axis-angle vector (Rodrigues). vectors: (..., 3) -> (..., 3, 3).
at::Tensor axis_angle_to_matrix(const at::Tensor& rotation_vectors);

// Inverse of axis_angle_to_matrix for angles in [0, pi). matrices: (..., 3, 3) -> (..., 3).
at::Tensor matrix_to_axis_angle(const at::Tensor& matrices);

}  // namespace disco::equivariant
