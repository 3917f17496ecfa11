#include "geometry.h"

#include <algorithm>
#include <stdexcept>

namespace disco::docking {

Mat3 Mat3::operator*(const Mat3& o) const {
  Mat3 r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r(i, j) = (*this)(i, 0) * o(0, j) + (*this)(i, 1) * o(1, j) + (*this)(i, 2) * o(2, j);
  return r;
}

Mat3 Mat3::transposed() const {
  Mat3 r;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) r(i, j) = (*this)(j, i);
  return r;
}

double Mat3::determinant() const {
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
}

Mat3 axis_angle_matrix(const Vec3& axis, double angle) {
  const double c = std::cos(angle), s = std::sin(angle), t = 1 - c;
  const double x = axis.x, y = axis.y, z = axis.z;
  Mat3 r;
  r.m = {t * x * x + c,     t * x * y - s * z, t * x * z + s * y,
         t * x * y + s * z, t * y * y + c,     t * y * z - s * x,
         t * x * z - s * y, t * y * z + s * x, t * z * z + c};
  return r;
}

Mat3 rotation_vector_matrix(const Vec3& rotvec) {
  const double angle = norm(rotvec);
  if (angle < 1e-15) return Mat3::identity();
  return axis_angle_matrix(rotvec / angle, angle);
}

Vec3 matrix_rotation_vector(const Mat3& r) {
  const double cos_angle = std::clamp((r(0, 0) + r(1, 1) + r(2, 2) - 1) / 2, -1.0, 1.0);
  const double angle = std::acos(cos_angle);
  if (angle < 1e-12) return {};
  Vec3 axis{r(2, 1) - r(1, 2), r(0, 2) - r(2, 0), r(1, 0) - r(0, 1)};
  if (angle > M_PI - 1e-6) {
    // Near pi the antisymmetric part vanishes: take the axis from the symmetric part, R = 2 a a^T - I.
    const double xx = (r(0, 0) + 1) / 2, yy = (r(1, 1) + 1) / 2, zz = (r(2, 2) + 1) / 2;
    if (xx >= yy && xx >= zz) {
      const double x = std::sqrt(std::max(xx, 0.0));
      axis = {x, r(0, 1) / (2 * x), r(0, 2) / (2 * x)};
    } else if (yy >= zz) {
      const double y = std::sqrt(std::max(yy, 0.0));
      axis = {r(0, 1) / (2 * y), y, r(1, 2) / (2 * y)};
    } else {
      const double z = std::sqrt(std::max(zz, 0.0));
      axis = {r(0, 2) / (2 * z), r(1, 2) / (2 * z), z};
    }
  }
  return axis / norm(axis) * angle;
}

Vec3 centroid(const std::vector<Vec3>& points) {
  Vec3 c;
  for (const auto& p : points) c += p;
  return points.empty() ? c : c / double(points.size());
}

double rmsd(const std::vector<Vec3>& a, const std::vector<Vec3>& b) {
  if (a.size() != b.size() || a.empty()) throw std::invalid_argument("rmsd: coordinate sets differ in size or are empty");
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += distance2(a[i], b[i]);
  return std::sqrt(sum / double(a.size()));
}

namespace {
// Eigen-decomposition of a symmetric 4x4 matrix by cyclic Jacobi rotations; returns the eigenvector of the
// largest eigenvalue.
std::array<double, 4> top_eigenvector(std::array<std::array<double, 4>, 4> a) {
  std::array<std::array<double, 4>, 4> v{};
  for (int i = 0; i < 4; ++i) v[i][i] = 1;
  for (int sweep = 0; sweep < 60; ++sweep) {
    double off = 0;
    for (int p = 0; p < 4; ++p)
      for (int q = p + 1; q < 4; ++q) off += a[p][q] * a[p][q];
    if (off < 1e-30) break;
    for (int p = 0; p < 4; ++p)
      for (int q = p + 1; q < 4; ++q) {
        if (std::abs(a[p][q]) < 1e-300) continue;
        const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < 4; ++k) {  // A <- A J (columns p, q)
          const double akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < 4; ++k) {  // A <- J^T A (rows p, q)
          const double apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 4; ++k) {
          const double vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
  }
  int best = 0;
  for (int i = 1; i < 4; ++i)
    if (a[i][i] > a[best][best]) best = i;
  return {v[0][best], v[1][best], v[2][best], v[3][best]};
}
}  // namespace

RigidFit kabsch(const std::vector<Vec3>& mobile, const std::vector<Vec3>& target) {
  if (mobile.size() != target.size() || mobile.empty())
    throw std::invalid_argument("kabsch: coordinate sets differ in size or are empty");
  const Vec3 cm = centroid(mobile), ct = centroid(target);
  // Horn's quaternion method: the optimal rotation is the top eigenvector of a 4x4 matrix built from the
  // cross-covariance S = sum (m - cm)(t - ct)^T; it never yields a reflection.
  double s[3][3] = {};
  for (size_t i = 0; i < mobile.size(); ++i) {
    const Vec3 a = mobile[i] - cm, b = target[i] - ct;
    const double av[3] = {a.x, a.y, a.z}, bv[3] = {b.x, b.y, b.z};
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) s[r][c] += av[r] * bv[c];
  }
  const double sxx = s[0][0], sxy = s[0][1], sxz = s[0][2], syx = s[1][0], syy = s[1][1], syz = s[1][2],
               szx = s[2][0], szy = s[2][1], szz = s[2][2];
  std::array<std::array<double, 4>, 4> n{{{sxx + syy + szz, syz - szy, szx - sxz, sxy - syx},
                                          {syz - szy, sxx - syy - szz, sxy + syx, szx + sxz},
                                          {szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy},
                                          {sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz}}};
  const auto q = top_eigenvector(n);
  const double w = q[0], x = q[1], y = q[2], z = q[3];
  RigidFit fit;
  fit.rotation.m = {w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y),
                    2 * (x * y + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x),
                    2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z};
  fit.translation = ct - fit.rotation * cm;
  double sum = 0;
  for (size_t i = 0; i < mobile.size(); ++i) sum += distance2(fit.rotation * mobile[i] + fit.translation, target[i]);
  fit.rmsd = std::sqrt(sum / double(mobile.size()));
  return fit;
}

double dihedral(const Vec3& a, const Vec3& b, const Vec3& c, const Vec3& d) {
  const Vec3 b1 = b - a, b2 = c - b, b3 = d - c;
  const Vec3 n1 = cross(b1, b2), n2 = cross(b2, b3);
  const double x = dot(n1, n2), y = dot(cross(n1, n2), b2 / norm(b2));
  return std::atan2(y, x);
}

double bond_angle(const Vec3& a, const Vec3& b, const Vec3& c) {
  const Vec3 u = a - b, v = c - b;
  return std::atan2(norm(cross(u, v)), dot(u, v));
}

}  // namespace disco::docking
