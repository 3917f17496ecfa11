#pragma once
// Shared helpers of the test_equivariant cases: random rotations and reflections, max-abs differences.
#include <ATen/ATen.h>

#include "equivariant/spherical_harmonics.h"

namespace disco::equivariant::testing {

inline at::Tensor random_rotation(at::Generator& gen, at::ScalarType dtype = at::kDouble) {
  const at::Tensor v = at::randn({3}, gen, at::TensorOptions().dtype(at::kDouble));
  return axis_angle_to_matrix(v / v.norm() * 2.3).to(dtype);  // angle 2.3 rad: far from the identity
}

// A reflection (det -1): the rotation composed with the mirror z -> -z.
inline at::Tensor random_reflection(at::Generator& gen, at::ScalarType dtype = at::kDouble) {
  const at::Tensor mirror = at::diag(at::tensor({1.0, 1.0, -1.0}, at::TensorOptions().dtype(at::kDouble)));
  return random_rotation(gen).matmul(mirror).to(dtype);
}

inline double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  if (a.numel() == 0) return 0.0;
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

}  // namespace disco::equivariant::testing
