// Geometry, torsions and the pose transform; RMSD metrics. Synthetic coordinates and one real ligand.
#include <ATen/ATen.h>  // before doctest (glog's CHECK clobbers doctest's)
#include <GraphMol/GraphMol.h>

#include <cmath>
#include <random>

#include "automorphism.h"
#include "diffusion/pose_update.h"
#include "geometry.h"
#include "graph.h"
#include "metrics.h"
#include "molecule.h"
#include "test_util.h"
#include "torsion.h"
#include <doctest/doctest.h>  // last: LibTorch brings glog, whose CHECK it must override

using namespace disco::docking;
using namespace docking_test;

TEST_CASE("kabsch recovers a proper rotation and translation") {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> n(0, 3);
  std::vector<Vec3> a;
  for (int i = 0; i < 20; ++i) a.push_back({n(rng), n(rng), n(rng)});
  const Mat3 r = axis_angle_matrix(random_unit(rng), 2.1);
  const Vec3 t{1.5, -2, 7};
  std::vector<Vec3> b;
  for (const auto& p : a) b.push_back(r * p + t);
  const RigidFit fit = kabsch(a, b);
  CHECK(fit.rmsd < 1e-9);
  CHECK(fit.rotation.determinant() == doctest::Approx(1.0).epsilon(1e-12));
  for (int k = 0; k < 9; ++k) CHECK(fit.rotation.m[size_t(k)] == doctest::Approx(r.m[size_t(k)]).epsilon(1e-9));
  // A mirror image is not superposable by a rotation.
  std::vector<Vec3> mirrored;
  for (const auto& p : a) mirrored.push_back({-p.x, p.y, p.z});
  CHECK(kabsch(a, mirrored).rotation.determinant() == doctest::Approx(1.0));
}

TEST_CASE("rotation vectors round-trip, including angles near pi") {
  std::mt19937_64 rng(2);
  for (double angle : {0.0, 1e-8, 0.3, 2.0, M_PI - 1e-9, M_PI}) {
    const Vec3 v = random_unit(rng) * angle;
    const Vec3 back = matrix_rotation_vector(rotation_vector_matrix(v));
    const Mat3 a = rotation_vector_matrix(v), b = rotation_vector_matrix(back);
    for (int k = 0; k < 9; ++k) CHECK(a.m[size_t(k)] == doctest::Approx(b.m[size_t(k)]).epsilon(1e-7));
  }
}

namespace {
// n-butane-like chain with a phenyl: 0-1-2-3 chain, 3 bonded to ring 4..9.
struct Toy {
  int64_t n = 10;
  std::vector<std::array<int32_t, 2>> bonds{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {6, 7}, {7, 8}, {8, 9}, {9, 4}};
};
}  // namespace

TEST_CASE("rotatable bonds: bridges with two atoms on each side; the smaller side moves") {
  Toy toy;
  const TorsionSet t = find_torsions(toy.n, toy.bonds);
  // 0-1 (terminal) and ring bonds are not rotatable; 1-2, 2-3, 3-4 are.
  REQUIRE(t.size() == 3);
  for (int64_t i = 0; i < t.size(); ++i) {
    const auto [u, v] = t.bonds[size_t(i)];
    CHECK(t.moves(i, v));
    CHECK_FALSE(t.moves(i, u));
    int64_t moving = 0;
    for (int64_t a = 0; a < toy.n; ++a) moving += t.moves(i, a);
    CHECK(moving <= toy.n - moving);
  }
  // A triple bond is never rotatable.
  const TorsionSet t2 = find_torsions(toy.n, toy.bonds, {false, false, true, false, false, false, false, false, false, false});
  CHECK(t2.size() == 2);
}

TEST_CASE("torsion changes and SE(3) moves keep every bond length and angle to 1e-4 A") {
  const Ligand lig = read_ligand(complexes_dir() + "/6moa/6moa_ligand.sdf");
  const LigandGraph g = build_ligand_graph(*lig.mol);
  REQUIRE(g.torsions.size() >= 3);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  std::vector<double> delta(size_t(g.torsions.size()));
  for (auto& d : delta) d = angle(rng);
  const Vec3 translation{3, -4, 12};
  const Vec3 rotation = random_unit(rng) * 2.5;
  disco::equivariant::PoseUpdate update;
  update.translation = at::tensor({translation.x, translation.y, translation.z}, at::kDouble).view({1, 3});
  update.rotation = at::tensor({rotation.x, rotation.y, rotation.z}, at::kDouble).view({1, 3});
  update.torsion = at::tensor(delta, at::kDouble);
  const std::vector<Vec3> moved = disco::equivariant::apply_pose_update(g.pos, g.torsions, update, 0, 0);

  std::vector<std::vector<int32_t>> nbrs(size_t(g.num_atoms()));
  double max_len = 0, max_angle = 0;
  for (const auto& b : g.bonds) {
    nbrs[size_t(b[0])].push_back(b[1]);
    nbrs[size_t(b[1])].push_back(b[0]);
    max_len = std::max(max_len, std::abs(distance(g.pos[size_t(b[0])], g.pos[size_t(b[1])]) -
                                         distance(moved[size_t(b[0])], moved[size_t(b[1])])));
  }
  // Angles compared as the distance between the two outer atoms (an angle change shows up in Å).
  for (size_t c = 0; c < nbrs.size(); ++c)
    for (size_t i = 0; i < nbrs[c].size(); ++i)
      for (size_t j = i + 1; j < nbrs[c].size(); ++j) {
        const size_t a = size_t(nbrs[c][i]), b = size_t(nbrs[c][j]);
        max_angle = std::max(max_angle, std::abs(distance(g.pos[a], g.pos[b]) - distance(moved[a], moved[b])));
      }
  CHECK(max_len < 1e-4);
  CHECK(max_angle < 1e-4);
  // The torsions did change, by the requested amounts (mod 2 pi).
  const auto before = torsion_angles(g.pos, g.torsions), after = torsion_angles(moved, g.torsions);
  for (size_t i = 0; i < before.size(); ++i) {
    const double d = std::remainder(after[i] - before[i] - delta[i], 2 * M_PI);
    CHECK(std::abs(d) < 1e-6);
  }
  // DiffDock's decoupling: the centroid moved by the translation exactly.
  const Vec3 shift = centroid(moved) - centroid(g.pos);
  CHECK(distance(shift, translation) < 1e-6);
}

TEST_CASE("set_torsion_angles reaches the requested dihedrals") {
  const Ligand lig = read_ligand(complexes_dir() + "/1G9V_RQ3/1G9V_RQ3_ligand.sdf");
  const LigandGraph g = build_ligand_graph(*lig.mol);
  REQUIRE(g.torsions.size() > 0);
  std::vector<Vec3> pos = g.pos;
  std::vector<double> want(size_t(g.torsions.size()));
  for (size_t i = 0; i < want.size(); ++i) want[i] = -3.0 + 0.7 * double(i);
  set_torsion_angles(pos, g.torsions, want);
  const auto got = torsion_angles(pos, g.torsions);
  for (size_t i = 0; i < want.size(); ++i) CHECK(std::abs(std::remainder(got[i] - want[i], 2 * M_PI)) < 1e-6);
}

TEST_CASE("symmetric RMSD: 0 for the crystal ligand itself; swapping carboxylate oxygens changes nothing") {
  // Acetate-like: C(=O)O with explicit bond orders, so only the graph symmetry (bond orders ignored) makes
  // the oxygens equivalent.
  const Ligand lig = ligand_from_smiles("CC(=O)O", "acetic acid");
  const std::vector<Vec3> pos = {{0, 0, 0}, {1.5, 0, 0}, {2.1, 1.1, 0}, {2.1, -1.1, 0}};
  const LigandGraph g = build_ligand_graph(*lig.mol, {}, pos);
  CHECK(g.automorphisms.size() == 2);
  CHECK(symmetric_rmsd(pos, pos, g.automorphisms) == 0.0);
  std::vector<Vec3> swapped = pos;
  std::swap(swapped[2], swapped[3]);
  CHECK(rmsd(pos, swapped) > 1.0);  // the plain RMSD sees the swap
  CHECK(symmetric_rmsd(pos, swapped, g.automorphisms) == doctest::Approx(0.0));
  CHECK(centroid_distance(pos, swapped) == doctest::Approx(0.0));
}

TEST_CASE("symmetric RMSD on a real ligand: invariant under each of its automorphisms") {
  const Ligand lig = read_ligand(complexes_dir() + "/1G9V_RQ3/1G9V_RQ3_ligand.sdf");  // has a carboxylic acid
  const LigandGraph g = build_ligand_graph(*lig.mol);
  REQUIRE(g.automorphisms.size() >= 2);
  CHECK(symmetric_rmsd(g.pos, g.pos, g.automorphisms) == 0.0);
  std::vector<Vec3> shifted = g.pos;
  for (auto& p : shifted) p += Vec3{0.5, 0, 0};
  const double base = symmetric_rmsd(g.pos, shifted, g.automorphisms);
  for (const auto& perm : g.automorphisms) {
    std::vector<Vec3> permuted(g.pos.size());
    for (size_t i = 0; i < perm.size(); ++i) permuted[size_t(perm[i])] = shifted[i];
    CHECK(symmetric_rmsd(g.pos, permuted, g.automorphisms) == doctest::Approx(base).epsilon(1e-12));
  }
}

TEST_CASE("pose summary: fractions under 2 and 5 A at top-1 and top-5, medians") {
  const std::vector<std::vector<double>> r = {{1.0, 3.0}, {4.0, 1.5, 9.0}, {6.0, 7.0, 8.0, 9.0, 10.0, 0.5}, {2.5}};
  const PoseSetSummary s = summarize_poses(r);
  CHECK(s.complexes == 4);
  CHECK(s.top1_below_2 == doctest::Approx(0.25));
  CHECK(s.top1_below_5 == doctest::Approx(0.75));
  CHECK(s.top5_below_2 == doctest::Approx(0.5));   // 1.0, 1.5; the 0.5 is rank 6
  CHECK(s.top5_below_5 == doctest::Approx(0.75));
  CHECK(s.median_top1 == doctest::Approx(3.25));
  CHECK(s.median_top5 == doctest::Approx(2.0));
  CHECK(median({}) == 0);
  CHECK(quantile({1, 2, 3, 4, 5}, 0.25) == doctest::Approx(2));
}

TEST_CASE("ROC AUC: pairwise wins of positives over negatives, ties one half, NaN with one class") {
  // positives 0.35 and 0.8 against negatives 0.1 and 0.4: 0.8 beats both, 0.35 beats 0.1 only -> 3 of 4
  CHECK(roc_auc({0.1, 0.4, 0.35, 0.8}, {false, false, true, true}) == doctest::Approx(0.75));
  CHECK(roc_auc({0.9, 0.1}, {true, false}) == doctest::Approx(1.0));
  CHECK(roc_auc({0.1, 0.9}, {true, false}) == doctest::Approx(0.0));
  // one tie between a positive and a negative counts one half: (1 + 0.5) / 2
  CHECK(roc_auc({0.5, 0.5, 0.2}, {true, false, false}) == doctest::Approx(0.75));
  CHECK(std::isnan(roc_auc({0.1, 0.2}, {true, true})));
  CHECK(std::isnan(roc_auc({}, {})));
}

TEST_CASE("radius edges: within the cutoff, at most max_neighbours per node, nearest first") {
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> u(0, 40);
  std::vector<Vec3> pts;
  for (int i = 0; i < 300; ++i) pts.push_back({u(rng), u(rng), u(rng)});
  const EdgeList e = radius_edges(pts, 15, 24);
  std::vector<int> in_degree(pts.size(), 0);
  for (size_t k = 0; k < e.size(); ++k) {
    CHECK(distance(pts[size_t(e.src[k])], pts[size_t(e.dst[k])]) < 15);
    CHECK(e.src[k] != e.dst[k]);
    ++in_degree[size_t(e.dst[k])];
  }
  for (size_t i = 0; i < pts.size(); ++i) {
    CHECK(in_degree[i] <= 24);
    // The kept neighbours are the nearest: no excluded point within 15 A is closer than the farthest kept.
    double farthest = 0;
    std::vector<bool> kept(pts.size(), false);
    for (size_t k = 0; k < e.size(); ++k)
      if (size_t(e.dst[k]) == i) farthest = std::max(farthest, distance(pts[i], pts[size_t(e.src[k])])), kept[size_t(e.src[k])] = true;
    int64_t within = 0;
    for (size_t j = 0; j < pts.size(); ++j) {
      if (j == i) continue;
      const double d = distance(pts[i], pts[j]);
      within += d < 15;
      if (!kept[j] && d < 15) CHECK(d >= farthest);
    }
    CHECK(in_degree[i] == std::min<int64_t>(24, within));
  }
  // Cross edges against brute force.
  std::vector<Vec3> lig(pts.begin(), pts.begin() + 10), rec(pts.begin() + 10, pts.end());
  const EdgeList x = cross_edges(lig, rec, 8);
  size_t brute = 0;
  for (const auto& a : lig)
    for (const auto& b : rec) brute += distance(a, b) < 8;
  CHECK(x.size() == brute);
}
