#include "equivariant/spherical_harmonics.h"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "equivariant/irreps.h"

namespace disco::equivariant {

at::Tensor spherical_harmonics(const at::Tensor& vectors, int lmax, bool normalize) {
  if (lmax < 0 || lmax > 2) throw std::invalid_argument("spherical_harmonics: lmax must be 0, 1 or 2");
  at::Tensor v = vectors;
  if (normalize) v = v / v.norm(2, -1, true).clamp_min(1e-12);
  const at::Tensor x = v.select(-1, 0), y = v.select(-1, 1), z = v.select(-1, 2);
  std::vector<at::Tensor> parts{at::ones_like(x)};
  if (lmax >= 1) {
    const double s3 = std::sqrt(3.0);
    parts.insert(parts.end(), {s3 * x, s3 * y, s3 * z});
  }
  if (lmax >= 2) {
    const double s15 = std::sqrt(15.0), s5 = std::sqrt(5.0);
    parts.insert(parts.end(), {s15 * x * y, s15 * y * z, (s5 / 2.0) * (3.0 * z * z - 1.0), s15 * x * z,
                               (s15 / 2.0) * (x * x - y * y)});
  }
  return at::stack(parts, -1);
}

at::Tensor wigner_d(int l, const at::Tensor& rotation) {
  const auto opts = rotation.options();
  if (l == 0) return at::ones({1, 1}, opts);
  if (l == 1) return rotation.clone();
  if (l != 2) throw std::invalid_argument("wigner_d: l must be <= 2");
  // Y2(R x_i) = D Y2(x_i) for fixed generic unit vectors x_i: least squares D = Y(RX) Y(X)^+.
  const at::Tensor pts = at::tensor({0.3, -0.7, 0.65, 0.9, 0.1, -0.4, -0.2, 0.5, 0.84, 0.61, 0.77, -0.2,
                                     -0.55, -0.35, -0.76, 0.12, 0.98, 0.15, -0.8, 0.45, 0.4},
                                    at::TensorOptions().dtype(at::kDouble))
                             .view({7, 3});
  const at::Tensor R = rotation.to(at::kDouble);
  const at::Tensor y = spherical_harmonics(pts, 2).narrow(1, 4, 5);             // (7, 5)
  const at::Tensor yr = spherical_harmonics(pts.matmul(R.t()), 2).narrow(1, 4, 5);  // rows Y(R x_i)
  // yr^T = D y^T  ->  D = yr^T pinv(y^T)
  return yr.t().matmul(at::linalg_pinv(y.t())).to(opts);
}

at::Tensor irreps_representation(const Irreps& irreps, const at::Tensor& orthogonal) {
  const double det = at::linalg_det(orthogonal.to(at::kDouble)).item<double>();
  const bool improper = det < 0;
  const at::Tensor R = improper ? -orthogonal : orthogonal;
  at::Tensor out = at::zeros({irreps.dim(), irreps.dim()}, orthogonal.options());
  int64_t at_ = 0;
  for (const auto& b : irreps.blocks()) {
    const at::Tensor D = wigner_d(b.irrep.l, R) * ((improper && b.irrep.parity < 0) ? -1.0 : 1.0);
    for (int64_t u = 0; u < b.mul; ++u) {
      const int64_t d = b.irrep.dim();
      out.narrow(0, at_, d).narrow(1, at_, d).copy_(D);
      at_ += d;
    }
  }
  return out;
}

at::Tensor axis_angle_to_matrix(const at::Tensor& rotation_vectors) {
  const at::Tensor angle = rotation_vectors.norm(2, -1, true).unsqueeze(-1);  // (..., 1, 1)
  const at::Tensor zeros = at::zeros_like(rotation_vectors.select(-1, 0));
  const at::Tensor a = rotation_vectors / angle.squeeze(-1).clamp_min(1e-12);
  const at::Tensor ax = a.select(-1, 0), ay = a.select(-1, 1), az = a.select(-1, 2);
  std::vector<int64_t> shape = rotation_vectors.sizes().vec();
  shape.push_back(3);  // (..., 3) -> (..., 3, 3)
  const at::Tensor K = at::stack({zeros, -az, ay, az, zeros, -ax, -ay, ax, zeros}, -1).view(shape);
  at::Tensor eye = at::eye(3, rotation_vectors.options()).expand_as(K);
  return eye + at::sin(angle) * K + (1.0 - at::cos(angle)) * K.matmul(K);
}

at::Tensor matrix_to_axis_angle(const at::Tensor& matrices) {
  const at::Tensor trace = matrices.diagonal(0, -2, -1).sum(-1);
  const at::Tensor angle = at::acos(((trace - 1.0) / 2.0).clamp(-1.0, 1.0));
  const at::Tensor w = at::stack({matrices.select(-2, 2).select(-1, 1) - matrices.select(-2, 1).select(-1, 2),
                                  matrices.select(-2, 0).select(-1, 2) - matrices.select(-2, 2).select(-1, 0),
                                  matrices.select(-2, 1).select(-1, 0) - matrices.select(-2, 0).select(-1, 1)},
                                 -1);
  // w = 2 sin(angle) axis; near angle 0 use angle / sin(angle) -> 1.
  const at::Tensor s = at::sin(angle);
  const at::Tensor factor = at::where(s.abs() > 1e-8, angle / (2.0 * s), at::full_like(s, 0.5));
  return w * factor.unsqueeze(-1);
}

}  // namespace disco::equivariant
