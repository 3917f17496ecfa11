// Pose checks (physics/pose_checks.h): crystal poses of real complexes pass; each kind of damage fails the
// check meant to catch it, and only the checks it should; the SDF/CSV fields. The slow test runs every
// Astex crystal pose, against itself and against an ETKDG conformer as the input geometry.
#include <GraphMol/GraphMol.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "conformer.h"
#include "disco/error.h"
#include "molecule.h"
#include "pose_checks.h"
#include "protein.h"
#include "test_util.h"
#include <doctest/doctest.h>  // last: LibTorch brings glog, whose CHECK it must override

using namespace disco::docking;
using namespace docking_test;
namespace fs = std::filesystem;

namespace {

struct TestComplex {
  std::string id;
  Ligand ligand;
  Protein protein;
};

TestComplex load_complex(const std::string& dir, const std::string& id, const std::string& protein_file) {
  return {id, read_ligand(dir + "/" + id + "_ligand.sdf"), read_pdb(dir + "/" + protein_file)};
}

// The four complexes of tests/data/docking, each with its own protein file.
std::vector<TestComplex> test_complexes() {
  const std::string root = complexes_dir();
  return {load_complex(root + "/1G9V_RQ3", "1G9V_RQ3", "1G9V_RQ3_protein.pdb"),
          load_complex(root + "/1a0q", "1a0q", "1a0q_protein.pdb"),
          load_complex(root + "/1a2b", "1a2b", "1a2b_protein.pdb"),
          load_complex(root + "/6moa", "6moa", "6moa_protein_processed.pdb")};
}

std::set<std::string> failed_set(const PoseCheckReport& r) {
  const auto f = r.failed();
  return {f.begin(), f.end()};
}

std::string describe(const PoseCheckReport& r) {
  std::string s;
  for (const auto& c : r.checks) s += "\n  " + c.name + (c.passed ? " pass: " : " FAIL: ") + c.detail;
  return s;
}

// Rotates the atoms `moving` about the axis through a and b by `angle` radians.
void rotate_about(std::vector<Vec3>& pos, const std::vector<int>& moving, const Vec3& a, const Vec3& b, double angle) {
  const Mat3 r = axis_angle_matrix((b - a) / norm(b - a), angle);
  for (int i : moving) pos[size_t(i)] = r * (pos[size_t(i)] - a) + a;
}

}  // namespace

TEST_CASE("pose checks: the crystal ligands of the test complexes pass every check") {
  for (const auto& c : test_complexes()) {
    CAPTURE(c.id);
    const PoseChecker checker(*c.ligand.mol, c.ligand.positions(), c.protein);
    const PoseCheckReport r = checker.check(c.ligand.positions());
    INFO(describe(r));
    CHECK(r.all_passed);
    REQUIRE(r.checks.size() == PoseChecker::check_names().size());
    for (size_t k = 0; k < r.checks.size(); ++k) CHECK(r.checks[k].name == PoseChecker::check_names()[k]);
    // Measured, not defaulted: the geometry is the input's, the ligand touches its protein without clashing.
    CHECK(r.at("bond_lengths").value == doctest::Approx(0.0).epsilon(1e-12));
    CHECK(r.at("internal_clash").value >= 0.7);
    CHECK(r.at("protein_clash").value >= 0.75);
    CHECK(r.at("protein_contact").value < 5.0);
    CHECK(r.at("protein_contact").value > 2.0);
  }
}

TEST_CASE("pose checks: the crystal ligands pass against an ETKDG conformer as the input geometry") {
  // The realistic case: the input is a generated conformer, the pose has the crystal's torsions and ring
  // puckers. Bond lengths and 1-3 distances then differ by up to about 10 % (1G9V's ester O-C: 1.49 A in the
  // crystal, 1.37 A after MMFF), within PoseBusters' 25 %.
  for (const auto& c : test_complexes()) {
    CAPTURE(c.id);
    const Conformer conf = generate_conformer(*c.ligand.mol, c.id);
    const PoseChecker checker(*c.ligand.mol, conf.pos, c.protein);
    const PoseCheckReport r = checker.check(c.ligand.positions());
    INFO(describe(r));
    CHECK(r.all_passed);
    CHECK(r.at("bond_lengths").value > 0.0);  // measured against another geometry
    CHECK(r.at("bond_angles").value > 0.0);
  }
}

TEST_CASE("pose checks: one bond stretched by 0.5 A fails bond lengths (and the SDF/CSV fields say so)") {
  const auto cs = test_complexes();
  const TestComplex& c = cs[0];
  const auto& mol = *c.ligand.mol;
  const std::vector<Vec3> ref = c.ligand.positions();
  // A terminal heavy atom on a bond shorter than 1.6 A: pulling it out stretches that bond alone.
  int moved = -1, anchor = -1;
  for (const auto* a : mol.atoms()) {
    if (a->getDegree() != 1) continue;
    const auto* n = *mol.atomNeighbors(a).begin();
    if (distance(ref[a->getIdx()], ref[n->getIdx()]) < 1.6) {
      moved = int(a->getIdx());
      anchor = int(n->getIdx());
      break;
    }
  }
  REQUIRE(moved >= 0);
  std::vector<Vec3> pose = ref;
  const Vec3 dir = (ref[size_t(moved)] - ref[size_t(anchor)]) / distance(ref[size_t(moved)], ref[size_t(anchor)]);
  pose[size_t(moved)] += dir * 0.5;
  const PoseChecker checker(mol, ref, c.protein);
  const PoseCheckReport r = checker.check(pose);
  INFO(describe(r));
  CHECK_FALSE(r.all_passed);
  CHECK(failed_set(r).count("bond_lengths") == 1);
  const double d0 = distance(ref[size_t(moved)], ref[size_t(anchor)]);
  CHECK(r.at("bond_lengths").value == doctest::Approx(0.5 / d0).epsilon(1e-9));
  const auto props = pose_check_sdf_properties(r);
  CHECK(props.at("disco_valid") == "0");
  CHECK(props.at("disco_check_bond_lengths") == "fail");
  CHECK(props.at("disco_check_protein_contact") == "pass");
  CHECK(props.at("disco_checks_failed").find("bond_lengths") != std::string::npos);
  const auto cols = pose_check_csv_columns(true), vals = pose_check_csv_values(r, true);
  REQUIRE(cols.size() == vals.size());
  CHECK(cols.size() == 1 + 2 * PoseChecker::check_names().size());
  std::map<std::string, std::string> row;
  for (size_t k = 0; k < cols.size(); ++k) row[cols[k]] = vals[k];
  CHECK(row.at("valid") == "0");
  CHECK(row.at("check_bond_lengths") == "0");
  CHECK(row.at("check_protein_contact") == "1");
  CHECK(std::stod(row.at("bond_lengths_value")) == doctest::Approx(0.5 / d0).epsilon(1e-5));
  // A stretch of 0.2 A (about 13 %) is within the tolerance.
  pose = ref;
  pose[size_t(moved)] += dir * 0.2;
  CHECK(checker.check(pose).at("bond_lengths").passed);
}

TEST_CASE("pose checks: the ligand moved rigidly onto a protein atom fails the protein clash check alone") {
  for (const auto& c : test_complexes()) {
    CAPTURE(c.id);
    const std::vector<Vec3> ref = c.ligand.positions();
    // The ligand atom nearest to any protein atom is put 1.0 A from that protein atom, moving the whole
    // ligand: the intramolecular checks must not notice.
    size_t li = 0;
    Vec3 target;
    double best = 1e30;
    for (const auto& res : c.protein.residues)
      for (const auto& a : res.atoms)
        for (size_t i = 0; i < ref.size(); ++i)
          if (distance(ref[i], a.pos) < best) best = distance(ref[i], a.pos), li = i, target = a.pos;
    const Vec3 shift = (target + (ref[li] - target) / best * 1.0) - ref[li];
    std::vector<Vec3> pose = ref;
    for (auto& p : pose) p += shift;
    const PoseChecker checker(*c.ligand.mol, ref, c.protein);
    const PoseCheckReport r = checker.check(pose);
    INFO(describe(r));
    CHECK(failed_set(r) == std::set<std::string>{"protein_clash"});
    CHECK(r.at("protein_contact").value == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(r.at("protein_clash").value < 0.75);
    // Moved 50 A away: no clash, but no contact either.
    for (auto& p : pose) p += Vec3{50, 0, 0};
    CHECK(failed_set(checker.check(pose)) == std::set<std::string>{"protein_contact"});
  }
}

TEST_CASE("pose checks: a mirrored pose fails tetrahedral chirality and nothing intramolecular else") {
  int with_centres = 0;
  for (const auto& c : test_complexes()) {
    CAPTURE(c.id);
    const std::vector<Vec3> ref = c.ligand.positions();
    const Vec3 centre = centroid(ref);
    std::vector<Vec3> mirror = ref;
    for (auto& p : mirror) p.x = 2 * centre.x - p.x;
    const PoseChecker checker(*c.ligand.mol, ref);  // no protein: the mirror image may well clash with it
    const PoseCheckReport r = checker.check(mirror);
    INFO(describe(r));
    if (std::isnan(r.at("tetrahedral_chirality").value)) {
      CHECK(r.all_passed);  // an achiral molecule's mirror image is the same molecule
      continue;
    }
    ++with_centres;
    CHECK(failed_set(r) == std::set<std::string>{"tetrahedral_chirality"});
    CHECK(r.at("tetrahedral_chirality").value >= 1.0);
  }
  CHECK(with_centres >= 2);  // the test means something only on chiral ligands
}

TEST_CASE("pose checks: an aromatic ring atom lifted out of the plane fails ring flatness") {
  const auto cs = test_complexes();
  int rings = 0;
  for (const auto& c : cs) {
    CAPTURE(c.id);
    const auto& mol = *c.ligand.mol;
    const std::vector<Vec3> ref = c.ligand.positions();
    const PoseChecker checker(mol, ref, c.protein);
    const RDKit::RingInfo* info = mol.getRingInfo();
    for (const auto& ring : info->atomRings()) {
      const bool aromatic = std::all_of(ring.begin(), ring.end(), [&](int i) {
        return mol.getAtomWithIdx(unsigned(i))->getIsAromatic();
      });
      if (!aromatic || ring.size() != 6) continue;
      ++rings;
      // The ring's normal from three of its atoms; lift the first atom along it.
      const Vec3 n0 = cross(ref[size_t(ring[1])] - ref[size_t(ring[0])], ref[size_t(ring[2])] - ref[size_t(ring[0])]);
      const Vec3 n = n0 / norm(n0);
      for (double lift : {0.1, 0.8}) {
        std::vector<Vec3> pose = ref;
        pose[size_t(ring[0])] += n * lift;
        const PoseCheckReport r = checker.check(pose);
        INFO("lift " << lift << describe(r));
        CHECK(r.at("aromatic_ring_flatness").passed == (lift < 0.25));
        CHECK(r.at("aromatic_ring_flatness").value > lift * 0.3);
      }
      break;  // one ring per ligand
    }
  }
  CHECK(rings >= 3);
}

TEST_CASE("pose checks: E/Z flips, twisted C=C, inverted centres and folded chains, on SMILES molecules") {
  SUBCASE("a trans double bond turned cis fails double-bond stereo; a 90-degree twist fails flatness") {
    // (E)-3,4-dimethylhex-3-ene-like: C/C(C)=C(C)/C ... with distinct substituents so E/Z is specified.
    const Ligand lig = ligand_from_smiles("CC/C(C)=C(/C)CC", "dimethylhexene");
    const auto& mol = *lig.mol;
    const std::vector<Vec3> ref = generate_conformer(mol, lig.name).pos;
    const PoseChecker checker(mol, ref);
    const PoseCheckReport same = checker.check(ref);
    INFO(describe(same));
    CHECK(same.all_passed);
    CHECK(same.at("double_bond_stereo").value == 0.0);  // checked: one E/Z bond
    CHECK(same.at("double_bond_flatness").value < 0.1);
    // Find the C=C and the atoms on one side of it.
    const RDKit::Bond* db = nullptr;
    for (const auto* b : mol.bonds())
      if (b->getBondType() == RDKit::Bond::DOUBLE) db = b;
    REQUIRE(db);
    const int b = int(db->getBeginAtomIdx()), e = int(db->getEndAtomIdx());
    // Atoms reached from e without crossing the double bond.
    std::vector<int> side;
    std::vector<bool> seen(mol.getNumAtoms(), false);
    seen[size_t(b)] = seen[size_t(e)] = true;
    std::vector<int> stack;
    for (const auto* n : mol.atomNeighbors(mol.getAtomWithIdx(unsigned(e))))
      if (int(n->getIdx()) != b) stack.push_back(int(n->getIdx()));
    while (!stack.empty()) {
      const int i = stack.back();
      stack.pop_back();
      if (seen[size_t(i)]) continue;
      seen[size_t(i)] = true;
      side.push_back(i);
      for (const auto* n : mol.atomNeighbors(mol.getAtomWithIdx(unsigned(i)))) stack.push_back(int(n->getIdx()));
    }
    std::vector<Vec3> flipped = ref;
    rotate_about(flipped, side, ref[size_t(b)], ref[size_t(e)], M_PI);
    const PoseCheckReport r = checker.check(flipped);
    INFO(describe(r));
    CHECK_FALSE(r.at("double_bond_stereo").passed);
    CHECK(r.at("double_bond_flatness").passed);
    std::vector<Vec3> twisted = ref;
    rotate_about(twisted, side, ref[size_t(b)], ref[size_t(e)], M_PI / 2);
    const PoseCheckReport t = checker.check(twisted);
    INFO(describe(t));
    CHECK_FALSE(t.at("double_bond_flatness").passed);
    CHECK(t.at("double_bond_flatness").value > 0.25);
  }
  SUBCASE("swapping two substituents of a stereocentre fails chirality") {
    const Ligand lig = ligand_from_smiles("C[C@H](N)C(=O)O", "L-alanine");
    const auto& mol = *lig.mol;
    const std::vector<Vec3> ref = generate_conformer(mol, lig.name).pos;
    const PoseChecker checker(mol, ref);
    CHECK(checker.check(ref).all_passed);
    CHECK(checker.check(ref).at("tetrahedral_chirality").value == 0.0);
    // Swap the methyl carbon (0) and the nitrogen (2) positions, each kept at its own bond length.
    std::vector<Vec3> pose = ref;
    const Vec3 ca = ref[1];
    pose[0] = ca + (ref[2] - ca) / norm(ref[2] - ca) * distance(ref[0], ca);
    pose[2] = ca + (ref[0] - ca) / norm(ref[0] - ca) * distance(ref[2], ca);
    const PoseCheckReport r = checker.check(pose);
    INFO(describe(r));
    CHECK(failed_set(r) == std::set<std::string>{"tetrahedral_chirality"});
  }
  SUBCASE("a chain folded onto itself fails the internal clash check") {
    const Ligand lig = ligand_from_smiles("CCCCCCCC", "octane");
    const std::vector<Vec3> ref = generate_conformer(*lig.mol, lig.name).pos;
    const PoseChecker checker(*lig.mol, ref);
    CHECK(checker.check(ref).all_passed);
    // The last carbon put 1.2 A from the first, 7 bonds away.
    std::vector<Vec3> pose = ref;
    pose[7] = ref[0] + Vec3{1.2, 0, 0};
    const PoseCheckReport r = checker.check(pose);
    INFO(describe(r));
    CHECK_FALSE(r.at("internal_clash").passed);
    CHECK(r.at("internal_clash").value < 0.7);
  }
}

TEST_CASE("pose checks: a wrong atom count is a one-line error") {
  const auto cs = test_complexes();
  const auto& lig = cs[0].ligand;
  std::vector<Vec3> ref = lig.positions();
  const PoseChecker checker(*lig.mol, ref);
  ref.pop_back();
  CHECK_THROWS_AS(checker.check(ref), disco::DataError);
  CHECK_THROWS_AS(PoseChecker(*lig.mol, ref), disco::DataError);
}

TEST_CASE("slow: pose checks on every Astex crystal pose") {
  const std::string data = shared_data();
  if (data.empty()) {
    MESSAGE("skip: no shared data (../shared/data/astex absent; set DISCO_SHARED_DATA)");
    return;
  }
  std::vector<std::string> ids;
  for (const auto& e : fs::directory_iterator(data + "/astex"))
    if (e.is_directory()) ids.push_back(e.path().filename().string());
  std::sort(ids.begin(), ids.end());
  // Two inputs: the crystal pose itself (the checks then measure only clashes, flatness and contact), and
  // an ETKDG conformer (bond lengths, angles and stereo against another geometry of the same molecule).
  std::map<std::string, int> pass_self, pass_etkdg, checked_self;
  int n = 0, all_self = 0, all_etkdg = 0, chiral = 0, mirrors_caught = 0;
  double seconds_40 = 0;
  std::vector<std::string> failures;
  for (const auto& id : ids) {
    const std::string dir = data + "/astex/" + id;
    const TestComplex c = load_complex(dir, id, id + "_protein.pdb");
    ++n;
    const std::vector<Vec3> crystal = c.ligand.positions();
    const PoseChecker self(*c.ligand.mol, crystal, c.protein);
    // 40 checks of the same pose, timed for the report (not asserted).
    const auto t0 = std::chrono::steady_clock::now();
    PoseCheckReport r;
    for (int k = 0; k < 40; ++k) r = self.check(crystal);
    seconds_40 += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // The mirror image of every chiral ligand must lose its chirality, seen from the crystal.
    if (!std::isnan(r.at("tetrahedral_chirality").value)) {
      const Vec3 centre = centroid(crystal);
      std::vector<Vec3> mirror = crystal;
      for (auto& p : mirror) p.x = 2 * centre.x - p.x;
      ++chiral;
      mirrors_caught += !self.check(mirror).at("tetrahedral_chirality").passed;
    }
    const Conformer conf = generate_conformer(*c.ligand.mol, id);
    const PoseCheckReport re = PoseChecker(*c.ligand.mol, conf.pos, c.protein).check(crystal);
    all_self += r.all_passed;
    all_etkdg += re.all_passed;
    for (const auto& chk : r.checks) {
      pass_self[chk.name] += chk.passed;
      checked_self[chk.name] += !std::isnan(chk.value);
      if (!chk.passed) failures.push_back(id + " " + chk.name + ": " + chk.detail);
    }
    for (const auto& chk : re.checks) {
      pass_etkdg[chk.name] += chk.passed;
      if (!chk.passed) failures.push_back(id + " (ETKDG input) " + chk.name + ": " + chk.detail);
    }
  }
  REQUIRE(n > 0);
  std::string table = "check: passed (input = crystal, of which measured) / passed (input = ETKDG)";
  for (const auto& name : PoseChecker::check_names())
    table += "\n  " + name + ": " + std::to_string(pass_self[name]) + " (" + std::to_string(checked_self[name]) +
             ") / " + std::to_string(pass_etkdg[name]) + " of " + std::to_string(n);
  table += "\n  all checks: " + std::to_string(all_self) + " / " + std::to_string(all_etkdg) + " of " + std::to_string(n);
  for (const auto& f : failures) table += "\n  fail " + f;
  MESSAGE(table);
  MESSAGE("mean time to check 40 poses of one complex: " << 1e3 * seconds_40 / n << " ms; mirror images caught "
          << mirrors_caught << " of " << chiral << " chiral ligands");
  CHECK(mirrors_caught == chiral);
  // Crystal poses are what the checks call plausible: at most 3 of 85 may fail any one check. Measured: only
  // 1JD0_AZM fails one, the internal clash: its acetamide is cis (the methyl 2.9 A from the ring sulfur),
  // which RDKit's DG bounds exclude since they force amides trans, as they do for PoseBusters.
  for (const auto& name : PoseChecker::check_names()) {
    CAPTURE(name);
    CHECK(pass_self[name] >= n - 3);
    CHECK(pass_etkdg[name] >= n - 3);
  }
}
