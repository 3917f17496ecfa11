#include "torsion.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace disco::docking {

namespace {
// Atoms reachable from `start` without crossing the bond start-`blocked`.
std::vector<uint8_t> side_of(int64_t n, const std::vector<std::vector<int32_t>>& adj, int32_t start, int32_t blocked) {
  std::vector<uint8_t> seen(size_t(n), 0);
  std::vector<int32_t> stack{start};
  seen[size_t(start)] = 1;
  while (!stack.empty()) {
    const int32_t a = stack.back();
    stack.pop_back();
    for (int32_t b : adj[size_t(a)]) {
      if (seen[size_t(b)] || (a == start && b == blocked)) continue;
      seen[size_t(b)] = 1;
      stack.push_back(b);
    }
  }
  return seen;
}
}  // namespace

TorsionSet find_torsions(int64_t num_atoms, const std::vector<std::array<int32_t, 2>>& bonds,
                         const std::vector<bool>& bond_is_triple) {
  TorsionSet t;
  t.num_atoms = num_atoms;
  std::vector<std::vector<int32_t>> adj(static_cast<size_t>(num_atoms));
  for (const auto& b : bonds) {
    if (b[0] < 0 || b[1] < 0 || b[0] >= num_atoms || b[1] >= num_atoms || b[0] == b[1])
      throw std::invalid_argument("find_torsions: bad bond " + std::to_string(b[0]) + "-" + std::to_string(b[1]));
    adj[size_t(b[0])].push_back(b[1]);
    adj[size_t(b[1])].push_back(b[0]);
  }
  for (auto& a : adj) std::sort(a.begin(), a.end());
  for (size_t i = 0; i < bonds.size(); ++i) {
    if (!bond_is_triple.empty() && bond_is_triple[i]) continue;
    int32_t u = bonds[i][0], v = bonds[i][1];
    auto side_v = side_of(num_atoms, adj, v, u);
    if (side_v[size_t(u)]) continue;  // a ring bond: u is reachable from v without the bond
    auto side_u = side_of(num_atoms, adj, u, v);
    const auto nv = std::count(side_v.begin(), side_v.end(), 1), nu = std::count(side_u.begin(), side_u.end(), 1);
    if (nv < 2 || nu < 2) continue;
    if (nu < nv) {
      std::swap(u, v);
      side_v.swap(side_u);
    }
    t.bonds.push_back({u, v});
    t.mask.insert(t.mask.end(), side_v.begin(), side_v.end());
    // The dihedral a-u-v-d: the lowest-index neighbours of u and v other than each other.
    int32_t a = -1, d = -1;
    for (int32_t x : adj[size_t(u)])
      if (x != v) { a = x; break; }
    for (int32_t x : adj[size_t(v)])
      if (x != u) { d = x; break; }
    t.dihedrals.push_back({a, u, v, d});
  }
  return t;
}

void apply_torsion_changes(std::vector<Vec3>& pos, const TorsionSet& torsions, const std::vector<double>& delta) {
  if (int64_t(delta.size()) != torsions.size())
    throw std::invalid_argument("apply_torsion_changes: " + std::to_string(delta.size()) + " angles for " +
                                std::to_string(torsions.size()) + " torsions");
  if (int64_t(pos.size()) != torsions.num_atoms)
    throw std::invalid_argument("apply_torsion_changes: coordinates do not match the torsion set");
  for (int64_t i = 0; i < torsions.size(); ++i) {
    if (delta[size_t(i)] == 0) continue;
    const auto [u, v] = torsions.bonds[size_t(i)];
    const Vec3 origin = pos[size_t(v)];
    Vec3 axis = pos[size_t(v)] - pos[size_t(u)];
    axis = axis / norm(axis);
    const Mat3 r = axis_angle_matrix(axis, delta[size_t(i)]);
    const uint8_t* m = &torsions.mask[size_t(i * torsions.num_atoms)];
    for (int64_t a = 0; a < torsions.num_atoms; ++a)
      if (m[a]) pos[size_t(a)] = r * (pos[size_t(a)] - origin) + origin;
  }
}

std::vector<double> torsion_angles(const std::vector<Vec3>& pos, const TorsionSet& torsions) {
  std::vector<double> out;
  for (const auto& d : torsions.dihedrals)
    out.push_back(dihedral(pos[size_t(d[0])], pos[size_t(d[1])], pos[size_t(d[2])], pos[size_t(d[3])]));
  return out;
}

TorsionSet select_torsions(const TorsionSet& torsions, const std::vector<bool>& keep) {
  TorsionSet out;
  out.num_atoms = torsions.num_atoms;
  for (int64_t i = 0; i < torsions.size(); ++i) {
    if (!keep[size_t(i)]) continue;
    out.bonds.push_back(torsions.bonds[size_t(i)]);
    out.dihedrals.push_back(torsions.dihedrals[size_t(i)]);
    const auto row = torsions.mask.begin() + i * torsions.num_atoms;
    out.mask.insert(out.mask.end(), row, row + torsions.num_atoms);
  }
  return out;
}

void set_torsion_angles(std::vector<Vec3>& pos, const TorsionSet& torsions, const std::vector<double>& angles) {
  // One at a time: a torsion's dihedral atoms may sit on the moving side of an earlier one, but its own
  // dihedral is measured after that earlier change, so the result is exact.
  for (int64_t i = 0; i < torsions.size(); ++i) {
    std::vector<double> delta(size_t(torsions.size()), 0.0);
    const auto& d = torsions.dihedrals[size_t(i)];
    const double now = dihedral(pos[size_t(d[0])], pos[size_t(d[1])], pos[size_t(d[2])], pos[size_t(d[3])]);
    delta[size_t(i)] = angles[size_t(i)] - now;
    apply_torsion_changes(pos, torsions, delta);
  }
}

void apply_rigid(std::vector<Vec3>& pos, const Mat3& rotation, const Vec3& translation) {
  const Vec3 c = centroid(pos);
  for (auto& p : pos) p = rotation * (p - c) + c + translation;
}

}  // namespace disco::docking
