#include "pose_energy_kernel.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

namespace disco::docking {

namespace {

// The pair energy and its derivative in r (the terms of vina_terms.h).
std::pair<double, double> pair_energy_and_slope(double r, const VinaPairKind& k) {
  if (r >= kVinaCutoff) return {0, 0};
  const double d = r - k.radius_sum;
  const double g1 = std::exp(-(d / 0.5) * (d / 0.5)), g2 = std::exp(-((d - 3) / 2) * ((d - 3) / 2));
  double e = kVinaGauss1 * g1 + kVinaGauss2 * g2;
  double s = kVinaGauss1 * g1 * (-2 * d / 0.25) + kVinaGauss2 * g2 * (-(d - 3) / 2);
  if (d < 0) {
    e += kVinaRepulsion * d * d;
    s += 2 * kVinaRepulsion * d;
  }
  if (k.hydrophobic) {
    e += kVinaHydrophobic * std::clamp(1.5 - d, 0.0, 1.0);
    if (d > 0.5 && d < 1.5) s -= kVinaHydrophobic;
  }
  if (k.hydrogen_bond) {
    e += kVinaHydrogenBond * std::clamp(-d / 0.7, 0.0, 1.0);
    if (d > -0.7 && d < 0) s -= kVinaHydrogenBond / 0.7;
  }
  return {e, s};
}

// SO(3)'s left Jacobian at rotation vector w: I + (1 - cos t)/t^2 [w]x + (t - sin t)/t^3 [w]x^2.
Mat3 left_jacobian(const Vec3& w) {
  const double t2 = dot(w, w), t = std::sqrt(t2);
  double a, b;
  if (t < 1e-4) {
    a = 0.5 - t2 / 24;
    b = 1.0 / 6 - t2 / 120;
  } else {
    a = (1 - std::cos(t)) / t2;
    b = (t - std::sin(t)) / (t2 * t);
  }
  Mat3 k;
  k.m = {0, -w.z, w.y, w.z, 0, -w.x, -w.y, w.x, 0};
  const Mat3 k2 = k * k;
  Mat3 j;
  for (size_t i = 0; i < 9; ++i) j.m[i] = (i % 4 == 0 ? 1.0 : 0.0) + a * k.m[i] + b * k2.m[i];
  return j;
}

}  // namespace

void pose_coordinates(const PoseEnergyProblem& p, const double* r0, int64_t n, const double* q, std::vector<Vec3>& x,
                      Vec3* centre_out) {
  const int64_t num_torsions = int64_t(p.torsion_axis.size());
  x.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i) x[size_t(i)] = {r0[3 * i], r0[3 * i + 1], r0[3 * i + 2]};
  Vec3 centre;
  for (const Vec3& a : x) centre += a;
  centre = centre / double(n);
  // Torsion changes in order, each about its bond's current axis.
  for (int64_t k = 0; k < num_torsions; ++k) {
    const Vec3 pu = x[size_t(p.torsion_axis[size_t(k)][0])], pv = x[size_t(p.torsion_axis[size_t(k)][1])];
    const Vec3 axis = (pv - pu) / norm(pv - pu);
    const Mat3 rot = axis_angle_matrix(axis, q[6 + k]);
    for (int32_t i : p.torsion_moving[size_t(k)]) x[size_t(i)] = rot * (x[size_t(i)] - pv) + pv;
  }
  // The rigid motion: rotation about the reference centroid, then the translation.
  const Vec3 t{q[0], q[1], q[2]}, w{q[3], q[4], q[5]};
  const Mat3 rot = rotation_vector_matrix(w);
  for (Vec3& a : x) a = rot * (a - centre) + centre + t;
  if (centre_out) *centre_out = centre;
}

double pose_energy(const PoseEnergyProblem& p, const double* r0, int64_t n, const double* q, double* g,
                   PoseScratch& scratch) {
  std::vector<Vec3>& x = scratch.coords;
  std::vector<Vec3>& f = scratch.forces;
  f.resize(size_t(n));
  Vec3 centre;
  pose_coordinates(p, r0, n, q, x, &centre);
  const int64_t num_torsions = int64_t(p.torsion_axis.size());
  const Vec3 t{q[0], q[1], q[2]}, w{q[3], q[4], q[5]};
  const int64_t plane = p.nx * p.ny * p.nz;
  const double top[3] = {double(p.nx - 1) * (1 - 1e-9), double(p.ny - 1) * (1 - 1e-9), double(p.nz - 1) * (1 - 1e-9)};
  const int64_t dims[3] = {p.nx, p.ny, p.nz};
  // Energy and forces: grid (trilinear, clamped into the box, plus the outside penalty) ...
  double e = 0;
  for (int64_t i = 0; i < n; ++i) {
    const Vec3& a = x[size_t(i)];
    const double u[3] = {(a.x - p.origin.x) / p.spacing, (a.y - p.origin.y) / p.spacing, (a.z - p.origin.z) / p.spacing};
    double force[3] = {0, 0, 0};
    int64_t c[3];
    double fr[3];
    bool inside[3];
    for (int d = 0; d < 3; ++d) {
      const double clamped = std::clamp(u[d], 0.0, top[d]);
      inside[d] = u[d] >= 0 && u[d] <= top[d];
      if (!inside[d]) {
        e += p.outside_penalty * std::abs(u[d] - clamped) * p.spacing;
        force[d] += p.outside_penalty * (u[d] > clamped ? 1.0 : -1.0);
      }
      c[d] = std::min<int64_t>(int64_t(std::floor(clamped)), dims[d] - 2);
      fr[d] = clamped - double(c[d]);
    }
    const double* v = p.grid + p.channel[size_t(i)] * plane + (c[0] * p.ny + c[1]) * p.nz + c[2];
    const double v000 = v[0], v001 = v[1], v010 = v[p.nz], v011 = v[p.nz + 1];
    const double v100 = v[p.ny * p.nz], v101 = v[p.ny * p.nz + 1], v110 = v[p.ny * p.nz + p.nz], v111 = v[p.ny * p.nz + p.nz + 1];
    const double fx = fr[0], fy = fr[1], fz = fr[2];
    const double c00 = v000 * (1 - fz) + v001 * fz, c01 = v010 * (1 - fz) + v011 * fz;
    const double c10 = v100 * (1 - fz) + v101 * fz, c11 = v110 * (1 - fz) + v111 * fz;
    const double c0 = c00 * (1 - fy) + c01 * fy, c1 = c10 * (1 - fy) + c11 * fy;
    e += c0 * (1 - fx) + c1 * fx;
    if (inside[0]) force[0] += (c1 - c0) / p.spacing;
    if (inside[1]) force[1] += ((c01 - c00) * (1 - fx) + (c11 - c10) * fx) / p.spacing;
    if (inside[2])
      force[2] += (((v001 - v000) * (1 - fy) + (v011 - v010) * fy) * (1 - fx) +
                   ((v101 - v100) * (1 - fy) + (v111 - v110) * fy) * fx) / p.spacing;
    f[size_t(i)] = {force[0], force[1], force[2]};
  }
  // ... and the intramolecular pairs.
  for (size_t k = 0; k < p.pairs.size(); ++k) {
    const int32_t i = p.pairs[k][0], j = p.pairs[k][1];
    const Vec3 diff = x[size_t(i)] - x[size_t(j)];
    const double r = std::sqrt(dot(diff, diff) + 1e-12);
    const auto [pe, slope] = pair_energy_and_slope(r, p.pair_kinds[k]);
    e += pe;
    const Vec3 df = diff * (slope / r);
    f[size_t(i)] += df;
    f[size_t(j)] -= df;
  }
  if (!g) return e;
  // The gradient in the pose space.
  Vec3 force_sum, torque;
  for (int64_t i = 0; i < n; ++i) {
    force_sum += f[size_t(i)];
    torque += cross(x[size_t(i)] - centre - t, f[size_t(i)]);
  }
  const Vec3 gw = left_jacobian(w).transposed() * torque;
  g[0] = force_sum.x, g[1] = force_sum.y, g[2] = force_sum.z;
  g[3] = gw.x, g[4] = gw.y, g[5] = gw.z;
  for (int64_t k = 0; k < num_torsions; ++k) {
    const Vec3 pu = x[size_t(p.torsion_axis[size_t(k)][0])], pv = x[size_t(p.torsion_axis[size_t(k)][1])];
    const Vec3 axis = (pv - pu) / norm(pv - pu);
    Vec3 tk;
    for (int32_t i : p.torsion_moving[size_t(k)]) tk += cross(x[size_t(i)] - pv, f[size_t(i)]);
    g[6 + k] = dot(axis, tk);
  }
  return e;
}

std::pair<at::Tensor, at::Tensor> fused_pose_energy(const PoseEnergyProblem& p, const at::Tensor& reference_in,
                                                    const at::Tensor& params_in) {
  const at::Tensor reference = reference_in.contiguous(), params = params_in.contiguous();
  const int64_t batch = reference.size(0), n = reference.size(1), dim = params.size(1);
  at::Tensor energy = at::zeros({batch}, at::kDouble), gradient = at::zeros({batch, dim}, at::kDouble);
  const double* ref = reference.data_ptr<double>();
  const double* par = params.data_ptr<double>();
  double* e_out = energy.data_ptr<double>();
  double* g_out = gradient.data_ptr<double>();
  at::parallel_for(0, batch, 1, [&](int64_t begin, int64_t end) {
    PoseScratch scratch;
    for (int64_t b = begin; b < end; ++b)
      e_out[b] = pose_energy(p, ref + b * n * 3, n, par + b * dim, g_out + b * dim, scratch);
  });
  return {energy, gradient};
}

}  // namespace disco::docking
