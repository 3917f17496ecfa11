#include "diffusion/pose_update.h"

#include "equivariant/spherical_harmonics.h"

namespace disco::equivariant {

at::Tensor apply_rigid_update(const at::Tensor& positions, const at::Tensor& translation, const at::Tensor& rotation) {
  const at::Tensor centre = positions.mean(0, true);
  const at::Tensor R = axis_angle_to_matrix(rotation.reshape({3}));
  return (positions - centre).matmul(R.t()) + centre + translation.reshape({1, 3});
}

at::Tensor apply_torsion_updates(const at::Tensor& positions, const at::Tensor& bonds, const at::Tensor& rotates,
                                 const at::Tensor& angles) {
  at::Tensor x = positions;
  for (int64_t t = 0; t < bonds.size(1); ++t) {
    const at::Tensor pu = x[bonds[0][t]], pv = x[bonds[1][t]];
    const at::Tensor axis = (pv - pu) / (pv - pu).norm().clamp_min(1e-12);
    const at::Tensor R = axis_angle_to_matrix(axis * angles[t]);
    const at::Tensor moved = (x - pv).matmul(R.t()) + pv;
    x = at::where(rotates[t].unsqueeze(1), moved, x);
  }
  return x;
}

}  // namespace disco::equivariant
