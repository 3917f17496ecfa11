#include "pose_parameters.h"

#include <ATen/ATen.h>

namespace disco::docking {

TorsionTensors torsion_tensors(const TorsionSet& torsions) {
  const int64_t t = torsions.size(), n = torsions.num_atoms;
  std::vector<int64_t> axis;
  for (const auto& b : torsions.bonds) {
    axis.push_back(b[0]);
    axis.push_back(b[1]);
  }
  TorsionTensors out;
  out.axis = at::tensor(axis, at::kLong).view({t, 2});
  out.mask = at::zeros({t, n}, at::kBool);
  auto m = out.mask.accessor<bool, 2>();
  for (int64_t i = 0; i < t; ++i)
    for (int64_t a = 0; a < n; ++a) m[i][a] = torsions.moves(i, a);
  return out;
}

namespace {

// Skew-symmetric matrices [B, 3, 3] of vectors [B, 3].
at::Tensor skew(const at::Tensor& w) {
  const at::Tensor z = at::zeros_like(w.select(1, 0));
  const at::Tensor x = w.select(1, 0), y = w.select(1, 1), c = w.select(1, 2);
  return at::stack({at::stack({z, -c, y}, 1), at::stack({c, z, -x}, 1), at::stack({-y, x, z}, 1)}, 1);
}

}  // namespace

at::Tensor rotation_matrices(const at::Tensor& w) {
  const at::Tensor theta2 = w.square().sum(1) + 1e-20;  // keeps sqrt's gradient finite at w = 0
  const at::Tensor theta = theta2.sqrt();
  const at::Tensor a = (theta.sin() / theta).view({-1, 1, 1});
  const at::Tensor b = ((1 - theta.cos()) / theta2).view({-1, 1, 1});
  const at::Tensor k = skew(w);
  return at::eye(3, w.options()).unsqueeze(0) + a * k + b * at::matmul(k, k);
}

at::Tensor posed_coordinates(const at::Tensor& reference, const at::Tensor& params, const TorsionTensors& torsions) {
  at::Tensor pos = reference;
  const auto dev = reference.device();
  const at::Tensor mask = torsions.mask.to(dev);
  const auto axis = torsions.axis.accessor<int64_t, 2>();  // on the CPU: indices, not data
  for (int64_t k = 0; k < torsions.size(); ++k) {
    const at::Tensor pu = pos.select(1, axis[k][0]);
    const at::Tensor pv = pos.select(1, axis[k][1]);
    const at::Tensor dir = pv - pu;
    const at::Tensor a = (dir / dir.norm(2, -1, true)).unsqueeze(1);  // [B, 1, 3]
    const at::Tensor angle = params.select(1, 6 + k).view({-1, 1, 1});
    const at::Tensor rel = pos - pv.unsqueeze(1);
    const at::Tensor rotated = rel * angle.cos() + at::cross(a.expand_as(rel), rel, -1) * angle.sin() +
                               a * (a * rel).sum(-1, true) * (1 - angle.cos());
    pos = at::where(mask[k].view({1, -1, 1}), pv.unsqueeze(1) + rotated, pos);
  }
  const at::Tensor centre = reference.mean(1, true);  // [B, 1, 3]
  const at::Tensor r = rotation_matrices(params.slice(1, 3, 6));
  return at::matmul(pos - centre, r.transpose(1, 2)) + centre + params.slice(1, 0, 3).unsqueeze(1);
}

}  // namespace disco::docking
