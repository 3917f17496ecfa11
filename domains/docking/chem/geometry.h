// Small 3-D geometry for the docking layer: vectors, rotation matrices, Rodrigues rotations about a bond,
// the Kabsch superposition. Coordinates are in Ångström and kept in double precision, so that applying a
// torsion change keeps bond lengths and angles to far better than 1e-4 Å.
#pragma once
#include <array>
#include <cmath>
#include <vector>

namespace disco::docking {

struct Vec3 {
  double x = 0, y = 0, z = 0;
  Vec3() = default;
  Vec3(double x_, double y_, double z_) : x(x_), y(y_), z(z_) {}
  Vec3 operator+(const Vec3& o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec3 operator-(const Vec3& o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec3 operator*(double s) const { return {x * s, y * s, z * s}; }
  Vec3 operator/(double s) const { return {x / s, y / s, z / s}; }
  Vec3& operator+=(const Vec3& o) { x += o.x; y += o.y; z += o.z; return *this; }
  Vec3& operator-=(const Vec3& o) { x -= o.x; y -= o.y; z -= o.z; return *this; }
  bool operator==(const Vec3& o) const { return x == o.x && y == o.y && z == o.z; }
  bool operator!=(const Vec3& o) const { return !(*this == o); }
};

inline double dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
inline double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }
inline double distance(const Vec3& a, const Vec3& b) { return norm(a - b); }
inline double distance2(const Vec3& a, const Vec3& b) { const Vec3 d = a - b; return dot(d, d); }

// Row-major 3x3 matrix; a rotation when orthonormal with determinant +1.
struct Mat3 {
  std::array<double, 9> m{1, 0, 0, 0, 1, 0, 0, 0, 1};
  static Mat3 identity() { return {}; }
  double operator()(int r, int c) const { return m[size_t(3 * r + c)]; }
  double& operator()(int r, int c) { return m[size_t(3 * r + c)]; }
  Vec3 operator*(const Vec3& v) const {
    return {m[0] * v.x + m[1] * v.y + m[2] * v.z, m[3] * v.x + m[4] * v.y + m[5] * v.z,
            m[6] * v.x + m[7] * v.y + m[8] * v.z};
  }
  Mat3 operator*(const Mat3& o) const;
  Mat3 transposed() const;
  double determinant() const;
};

// Rotation by `angle` (radians, right-handed) about the unit vector `axis`.
Mat3 axis_angle_matrix(const Vec3& axis, double angle);
// Rotation vector (axis * angle, the so(3) exponential map) to matrix; zero vector -> identity.
Mat3 rotation_vector_matrix(const Vec3& rotvec);
// Inverse of rotation_vector_matrix (angle in [0, pi]).
Vec3 matrix_rotation_vector(const Mat3& r);

Vec3 centroid(const std::vector<Vec3>& points);
// sqrt(mean |a_i - b_i|^2); the vectors must have the same size (and it must be > 0).
double rmsd(const std::vector<Vec3>& a, const std::vector<Vec3>& b);

// The proper rotation R and translation t minimising sum |R * mobile_i + t - target_i|^2 (Kabsch, with the
// reflection case excluded); the sizes must match.
struct RigidFit {
  Mat3 rotation;
  Vec3 translation;
  double rmsd = 0;  // after the fit
};
RigidFit kabsch(const std::vector<Vec3>& mobile, const std::vector<Vec3>& target);

// Dihedral angle a-b-c-d in radians, in (-pi, pi].
double dihedral(const Vec3& a, const Vec3& b, const Vec3& c, const Vec3& d);
// Bond angle a-b-c in radians.
double bond_angle(const Vec3& a, const Vec3& b, const Vec3& c);

}  // namespace disco::docking
