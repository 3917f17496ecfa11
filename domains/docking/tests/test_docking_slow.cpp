// Slow checks on the shared data sets (CTest test_docking_slow, labels slow;docking): every Astex and PDBBind
// ligand, and the DSDP set when datasets_slow.sh has unpacked it into the build tree. Skipped (with a
// message) when ../shared/data is not there. Test names contain "slow": the fast run excludes them.
#include <ATen/ATen.h>  // before doctest (glog's CHECK clobbers doctest's)
#include <GraphMol/GraphMol.h>

#include <filesystem>
#include <random>

#include "complex.h"
#include "conformer.h"
#include "diffusion/pose_update.h"
#include "metrics.h"
#include "molecule.h"
#include "test_util.h"
#include "torsion.h"
#include <doctest/doctest.h>  // last: LibTorch brings glog, whose CHECK it must override

using namespace disco::docking;
using namespace docking_test;
namespace fs = std::filesystem;

namespace {

// Every complex of the shared sets that loads.
std::vector<Complex> shared_complexes() {
  std::vector<Complex> out;
  const std::string data = shared_data();
  if (data.empty()) return out;
  std::vector<std::string> roots = {data + "/astex", data + "/pdbbind"};
  const std::string dsdp = std::string(DISCO_DOCKING_BUILD_DIR) + "/data/dsdp";
  if (fs::is_directory(dsdp)) roots.push_back(dsdp);
  for (const auto& root : roots) {
    const LoadSummary s = load_dataset(root, {}, {}, [&](const Complex& c) { out.push_back(c); });
    MESSAGE(root << ": " << s.text());
  }
  return out;
}

const std::vector<Complex>& complexes() {
  static const std::vector<Complex> all = shared_complexes();
  return all;
}

}  // namespace

TEST_CASE("slow: crystal ligands: RMSD to itself is 0, and unchanged under every automorphism") {
  if (complexes().empty()) {
    MESSAGE("skip: no shared data (set DISCO_SHARED_DATA)");
    return;
  }
  int64_t symmetric = 0;
  std::vector<std::string> truncated;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0, 0.7);
  for (const auto& c : complexes()) {
    const auto& g = c.ligand;
    CAPTURE(c.id);
    CHECK(symmetric_rmsd(g.pos, g.pos, g.automorphisms) == 0.0);
    if (g.automorphisms.size() < 2) continue;
    ++symmetric;
    // A capped list is not closed under composition, so the invariance holds only for complete lists.
    if (g.automorphisms_truncated) {
      truncated.push_back(c.id);
      continue;
    }
    std::vector<Vec3> pose = g.pos;
    for (auto& p : pose) p += Vec3{noise(rng), noise(rng), noise(rng)};
    const double base = symmetric_rmsd(g.pos, pose, g.automorphisms);
    for (const auto& perm : g.automorphisms) {
      std::vector<Vec3> swapped(pose.size());
      for (size_t i = 0; i < perm.size(); ++i) swapped[size_t(perm[i])] = pose[i];
      CHECK(symmetric_rmsd(g.pos, swapped, g.automorphisms) == doctest::Approx(base).epsilon(1e-12));
    }
  }
  std::string capped;
  for (const auto& id : truncated) capped += " " + id;
  MESSAGE(complexes().size() << " ligands, " << symmetric << " with symmetric groups; more than "
                             << GraphOptions{}.max_automorphisms << " automorphisms (not checked):" << capped);
}

TEST_CASE("slow: torsion changes and SE(3) moves keep bond lengths and angles of every ligand to 1e-4 A") {
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  double worst = 0;
  for (const auto& c : complexes()) {
    const auto& g = c.ligand;
    const Vec3 translation{angle(rng), angle(rng), angle(rng)};
    const Vec3 rotation = random_unit(rng) * angle(rng);
    std::vector<double> torsions;
    for (int64_t t = 0; t < g.torsions.size(); ++t) torsions.push_back(angle(rng));
    disco::equivariant::PoseUpdate u;
    u.translation = at::tensor({translation.x, translation.y, translation.z}, at::kDouble).view({1, 3});
    u.rotation = at::tensor({rotation.x, rotation.y, rotation.z}, at::kDouble).view({1, 3});
    u.torsion = at::tensor(torsions, at::kDouble);
    const auto moved = disco::equivariant::apply_pose_update(g.pos, g.torsions, u, 0, 0);
    std::vector<std::vector<int32_t>> nbrs(g.pos.size());
    for (const auto& b : g.bonds) {
      nbrs[size_t(b[0])].push_back(b[1]);
      nbrs[size_t(b[1])].push_back(b[0]);
      worst = std::max(worst, std::abs(distance(g.pos[size_t(b[0])], g.pos[size_t(b[1])]) -
                                       distance(moved[size_t(b[0])], moved[size_t(b[1])])));
    }
    for (const auto& n : nbrs)
      for (size_t i = 0; i < n.size(); ++i)
        for (size_t j = i + 1; j < n.size(); ++j)
          worst = std::max(worst, std::abs(distance(g.pos[size_t(n[i])], g.pos[size_t(n[j])]) -
                                           distance(moved[size_t(n[i])], moved[size_t(n[j])])));
  }
  MESSAGE("largest change of a bond length or 1-3 distance: " << worst << " A");
  CHECK(worst < 1e-4);
}

TEST_CASE("slow: conformer matching: crystal poses with randomised torsions match back; ETKDG conformers mostly < 1 A") {
  if (complexes().empty()) return;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  std::vector<double> self, etkdg;
  for (const auto& c : complexes()) {
    if (c.layout == "protein-ligand" && c.id.size() == 4) continue;  // DSDP: too many for this test; the CLI covers it
    const auto& g = c.ligand;
    std::vector<Vec3> start = g.pos;
    std::vector<double> delta;
    for (int64_t t = 0; t < g.torsions.size(); ++t) delta.push_back(angle(rng));
    apply_torsion_changes(start, g.torsions, delta);
    self.push_back(match_conformer(start, g.pos, g.torsions).rmsd);
    const auto mol = mol_from_block(c.ligand_molblock, c.id);
    const Conformer conf = generate_conformer(*mol, c.id);
    std::vector<Vec3> perturbed = conf.pos;
    for (auto& d : delta) d = angle(rng);
    apply_torsion_changes(perturbed, g.torsions, delta);
    etkdg.push_back(match_conformer(perturbed, g.pos, g.torsions).rmsd);
  }
  const auto below = [](const std::vector<double>& v, double x) {
    return double(std::count_if(v.begin(), v.end(), [&](double r) { return r < x; })) / double(v.size());
  };
  MESSAGE("crystal, torsions randomised, matched: max " << quantile(self, 1) << " A over " << self.size());
  MESSAGE("ETKDG, torsions randomised, matched: min " << quantile(etkdg, 0) << ", median " << median(etkdg) << ", 90% "
                                                    << quantile(etkdg, 0.9) << ", max " << quantile(etkdg, 1)
                                                    << " A; < 1 A: " << below(etkdg, 1.0));
  CHECK(quantile(self, 1) < 1e-3);
  CHECK(below(etkdg, 1.0) >= 0.9);
}
