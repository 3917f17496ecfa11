// Conformer matching as the docking data uses it (data.conformer_matching, conformer_targets.h): the training
// target is an ETKDG conformer matched to the crystal pose, the test ligand is the conformer itself, the RMSD
// reference stays the crystal pose, and the result is cached and never trusted when stale or damaged.
#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>

#include "complex.h"
#include "conformer_targets.h"
#include "docking_dataset.h"
#include "metrics.h"
#include "test_util.h"
#include <doctest/doctest.h>  // last: LibTorch brings glog, whose CHECK it must override

using namespace disco;
using namespace disco::docking;
using namespace docking_test;
namespace fs = std::filesystem;

namespace {

Reporter recording_reporter(std::vector<std::string>& lines) {
  Reporter r;
  r.log = [&lines](LogLevel, const std::string& m) { lines.push_back(m); };
  return r;
}

void check_same_bond_lengths(const LigandGraph& g, const std::vector<Vec3>& a, const std::vector<Vec3>& b) {
  for (const auto& bond : g.bonds)
    CHECK(distance(a[size_t(bond[0])], a[size_t(bond[1])]) ==
          doctest::Approx(distance(b[size_t(bond[0])], b[size_t(bond[1])])).epsilon(1e-9));
}

}  // namespace

TEST_CASE("conformer targets: the matched conformer keeps the conformer's bonds and is closer to the crystal") {
  std::vector<std::string> log;
  for (const std::string id : {"6moa", "1a0q"}) {
    CAPTURE(id);
    const Complex c = load_complex(find_complex(complexes_dir(), id));
    REQUIRE(c.ligand.torsions.size() > 0);
    const LigandConformers lc = ligand_conformers(c, 0, "", recording_reporter(log));
    CHECK(lc.method == "etkdg");
    REQUIRE(lc.conformer.size() == c.ligand.pos.size());
    REQUIRE(lc.matched.size() == c.ligand.pos.size());
    check_same_bond_lengths(c.ligand, lc.matched, lc.conformer);
    // The conformer is not the crystal geometry (else nothing would be learnt about real conformers) ...
    double largest_bond_change = 0;
    for (const auto& bond : c.ligand.bonds)
      largest_bond_change = std::max(largest_bond_change,
                                     std::abs(distance(lc.conformer[size_t(bond[0])], lc.conformer[size_t(bond[1])]) -
                                              distance(c.ligand.pos[size_t(bond[0])], c.ligand.pos[size_t(bond[1])])));
    CHECK(largest_bond_change > 1e-3);
    // ... the matched one sits on the crystal pose, closer than the unmatched conformer superposed on it.
    const double in_place = rmsd(lc.matched, c.ligand.pos);
    CHECK(in_place == doctest::Approx(lc.rmsd_matched).epsilon(1e-6));
    CHECK(lc.rmsd_matched < lc.rmsd_conformer);
    CHECK(lc.rmsd_matched < 1.5);
    CHECK(symmetric_rmsd(c.ligand.pos, lc.matched, c.ligand.automorphisms) <= in_place + 1e-9);
    // Seeded: the same again; another run seed, another conformer.
    const LigandConformers again = ligand_conformers(c, 0, "", recording_reporter(log));
    CHECK(rmsd(again.matched, lc.matched) == 0.0);
    const LigandConformers other = ligand_conformers(c, 7, "", recording_reporter(log));
    CHECK(rmsd(other.conformer, lc.conformer) > 1e-3);
  }
}

TEST_CASE("conformer targets: cached exactly, recomputed when stale or damaged") {
  TempDir tmp;
  const std::string cache = tmp.file("cache");
  const Complex c = load_complex(find_complex(complexes_dir(), "6moa"));
  std::vector<std::string> log;
  const LigandConformers fresh = ligand_conformers(c, 0, cache, recording_reporter(log));
  const std::string path = conformer_cache_path(cache, "6moa");
  REQUIRE(fs::exists(path));
  auto read_back = [&] {
    log.clear();
    return ligand_conformers(c, 0, cache, recording_reporter(log));
  };
  const LigandConformers cached = read_back();
  CHECK(log.empty());
  CHECK(rmsd(cached.conformer, fresh.conformer) == 0.0);  // bit for bit: a resumed training sees the same data
  CHECK(rmsd(cached.matched, fresh.matched) == 0.0);
  CHECK(cached.rmsd_matched == fresh.rmsd_matched);
  CHECK(cached.method == fresh.method);

  std::string text;
  {
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Truncated: recomputed (the same values) and rewritten whole.
  write_file(path, text.substr(0, text.size() / 2));
  const LigandConformers repaired = read_back();
  REQUIRE(log.size() == 1);
  CHECK(log[0].find("corrupt") != std::string::npos);
  CHECK(rmsd(repaired.matched, fresh.matched) == 0.0);
  CHECK(read_back().method == fresh.method);
  CHECK(log.empty());
  // Made from another ligand (the key differs): stale.
  std::string other = text;
  other.replace(other.find("key ") + 4, 16, "0123456789abcdeg");  // no hash has a g
  write_file(path, other);
  read_back();
  REQUIRE(log.size() == 1);
  CHECK(log[0].find("stale") != std::string::npos);
  // A wrong number in the body is read as such only when it parses; garbage is corrupt.
  std::string garbage = text;
  garbage.replace(garbage.find("atoms ") + 6, 1, "x");
  write_file(path, garbage);
  read_back();
  REQUIRE(log.size() == 1);
  CHECK(log[0].find("corrupt") != std::string::npos);
}

TEST_CASE("docking dataset with data.conformer_matching: learn the matched conformer, dock the conformer") {
  DockingSettings s;
  s.root = complexes_dir();
  s.pocket.max_ligand_atoms = 64;
  s.pocket.max_residues = 32;
  std::vector<std::string> log;
  const Reporter reporter = recording_reporter(log);
  const auto plain_train = load_docking_dataset(s, "train", reporter);
  s.conformer_matching = true;
  const auto train = load_docking_dataset(s, "train", reporter);
  const auto test = load_docking_dataset(s, "test", reporter);
  REQUIRE(train->size() == plain_train->size());
  REQUIRE(train->size() >= 3);
  for (int64_t i = 0; i < train->size(); ++i) {
    const DockingExample &plain = plain_train->examples()[size_t(i)], &e = train->examples()[size_t(i)],
                         &t = test->examples()[size_t(i)];
    CAPTURE(e.id);
    const Complex c = load_complex(find_complex(complexes_dir(), e.id));
    const LigandConformers lc = ligand_conformers(c, s.seed, "", reporter);
    // Without matching the crystal pose is both the target and the reference (as before this option).
    CHECK(rmsd(plain.lig_pos, plain.reference_pos) == 0.0);
    CHECK(rmsd(e.reference_pos, c.ligand.pos) == 0.0);
    CHECK(rmsd(t.reference_pos, c.ligand.pos) == 0.0);
    CHECK(rmsd(e.lig_pos, lc.matched) == 0.0);
    CHECK(rmsd(t.lig_pos, lc.conformer) == 0.0);
    CHECK(rmsd(e.lig_pos, e.reference_pos) == doctest::Approx(lc.rmsd_matched));
    // The pocket is the same as without matching (the centre comes from the crystal pose).
    CHECK(distance(e.pocket_centre, plain.pocket_centre) == 0.0);
    check_same_bond_lengths(c.ligand, e.prior_pos, lc.conformer);  // the prior sees the conformer too
  }
  bool logged = false;
  for (const auto& line : log) logged |= line.find("conformer matching on") != std::string::npos;
  CHECK(logged);
}
