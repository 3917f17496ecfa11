// Graphs, conformers and matching, the dataset loader and its cache, on the small real complexes in
// tests/data/docking/complexes (see its README for where they come from).
#include <GraphMol/GraphMol.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "complex.h"
#include "conformer.h"
#include "disco/error.h"
#include "graph.h"
#include "graph_tensors.h"
#include "metrics.h"
#include "molecule.h"
#include "test_util.h"
#include <doctest/doctest.h>  // last: LibTorch brings glog, whose CHECK it must override

using namespace disco::docking;
using namespace docking_test;
namespace fs = std::filesystem;

namespace {

// Copies the test complexes into a temporary folder the test may change.
void copy_complexes(const TempDir& tmp, const std::vector<std::string>& ids) {
  for (const auto& id : ids)
    fs::copy(complexes_dir() + "/" + id, tmp.path / id, fs::copy_options::recursive);
}

}  // namespace

TEST_CASE("ligand graph: features, bonds, torsions and automorphisms of a real ligand") {
  const Ligand lig = read_ligand(complexes_dir() + "/6moa/6moa_ligand.sdf");
  const LigandGraph g = build_ligand_graph(*lig.mol);
  CHECK(g.num_atoms() == lig.num_atoms());
  CHECK(g.atom_features.size() == size_t(g.num_atoms() * kNumAtomFeatures));
  for (int64_t i = 0; i < g.num_atoms(); ++i)
    for (int f = 0; f < kNumAtomFeatures; ++f) {
      const int32_t v = g.atom_features[size_t(i * kNumAtomFeatures + f)];
      CHECK(v >= 0);
      CHECK(v < kAtomFeatureSizes[size_t(f)]);
    }
  CHECK(g.bonds.size() == lig.mol->getNumBonds());
  CHECK(g.bond_edges().size() == 2 * g.bonds.size());
  CHECK(g.automorphisms.front() == [&] {
    std::vector<int32_t> id(size_t(g.num_atoms()));
    for (size_t i = 0; i < id.size(); ++i) id[i] = int32_t(i);
    return id;
  }());
  // Ligand radius edges are symmetric.
  const EdgeList e = radius_edges(g.pos, 5.0);
  CHECK(e.size() % 2 == 0);
}

TEST_CASE("receptor graph: one node per residue, radius edges of at most 24 neighbours within 15 A") {
  const Protein p = read_pdb(complexes_dir() + "/1a0q/1a0q_protein.pdb");
  const ReceptorGraph g = build_receptor_graph(p);
  CHECK(g.num_nodes() == int64_t(p.residues.size()));
  std::vector<int> degree(size_t(g.num_nodes()), 0);
  for (size_t k = 0; k < g.edges.size(); ++k) {
    ++degree[size_t(g.edges.dst[k])];
    CHECK(distance(g.ca[size_t(g.edges.src[k])], g.ca[size_t(g.edges.dst[k])]) < 15.0);
  }
  CHECK(*std::max_element(degree.begin(), degree.end()) == 24);
  for (size_t i = 0; i < g.n_offset.size(); ++i) {
    CHECK(norm(g.n_offset[i]) == doctest::Approx(1.46).epsilon(0.05));
    CHECK(norm(g.c_offset[i]) == doctest::Approx(1.52).epsilon(0.05));
  }
}

TEST_CASE("receptor embeddings: a .npy with one row per residue; a wrong row count is an error") {
  const Protein p = read_pdb(complexes_dir() + "/6moa/6moa_protein_processed.pdb");
  ReceptorGraph g = build_receptor_graph(p);
  TempDir tmp;
  auto write_npy = [&](const std::string& path, int64_t rows, int64_t cols) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                         std::to_string(cols) + "), }";
    while ((10 + header.size() + 1) % 64) header += ' ';
    header += '\n';
    std::string bytes = "\x93NUMPY";
    bytes += char(1);
    bytes += char(0);
    bytes += char(header.size() & 0xff);
    bytes += char(header.size() >> 8);
    bytes += header;
    for (int64_t i = 0; i < rows * cols; ++i) {
      const float v = float(i);
      bytes.append(reinterpret_cast<const char*>(&v), 4);
    }
    write_file(path, bytes);
  };
  write_npy(tmp.file("ok.npy"), g.num_nodes(), 8);
  attach_embeddings(g, tmp.file("ok.npy"));
  CHECK(g.embedding_dim == 8);
  CHECK(g.embedding[17] == 17.0f);
  write_npy(tmp.file("bad.npy"), g.num_nodes() + 1, 8);
  ReceptorGraph h = build_receptor_graph(p);
  const std::string want = std::to_string(g.num_nodes() + 1) + " embedding rows for " +
                           std::to_string(g.num_nodes()) + " residues";
  try {
    attach_embeddings(h, tmp.file("bad.npy"));
    FAIL("expected a DataError");
  } catch (const disco::DataError& e) {
    CHECK(std::string(e.what()).find(want) != std::string::npos);
  }
}

TEST_CASE("conformers: ETKDG is seeded (same seed, same conformer) and keeps the atom order") {
  const Ligand lig = read_ligand(complexes_dir() + "/1G9V_RQ3/1G9V_RQ3_ligand.sdf");
  ConformerOptions opt;
  opt.seed = 7;
  const Conformer a = generate_conformer(*lig.mol, "RQ3", opt), b = generate_conformer(*lig.mol, "RQ3", opt);
  CHECK(a.method == "etkdg");
  CHECK(a.warning.empty());
  REQUIRE(int64_t(a.pos.size()) == lig.num_atoms());
  CHECK(rmsd(a.pos, b.pos) == 0.0);
  opt.seed = 8;
  CHECK(rmsd(a.pos, generate_conformer(*lig.mol, "RQ3", opt).pos) > 0.0);
  // Bond lengths of the generated conformer are chemical (so the atom order was kept).
  const LigandGraph g = build_ligand_graph(*lig.mol);
  for (const auto& bnd : g.bonds) {
    const double d = distance(a.pos[size_t(bnd[0])], a.pos[size_t(bnd[1])]);
    CHECK(d > 1.0);
    CHECK(d < 2.0);
  }
}

TEST_CASE("conformers: when embedding fails, the fallback is the input conformer, with a warning naming it") {
  // Bicyclo[1.1.0]butane with stereo tags no geometry satisfies: ETKDG fails, from random coordinates too.
  const Ligand lig = ligand_from_smiles("F[C@]12C[C@@]1(F)C2", "strained");
  ConformerOptions opt;
  opt.random_coords_attempts = 5;
  // Without input coordinates the chain ends in a clear error.
  try {
    generate_conformer(*lig.mol, "strained", opt);
    FAIL("expected a DataError");
  } catch (const disco::DataError& e) {
    CHECK(std::string(e.what()).rfind("strained: conformer generation failed", 0) == 0);
  }
  // With 3-D input coordinates they are the fallback, with a warning.
  RDKit::ROMol with_input(*lig.mol);
  auto* conf = new RDKit::Conformer(with_input.getNumAtoms());
  for (unsigned i = 0; i < with_input.getNumAtoms(); ++i) conf->setAtomPos(i, RDGeom::Point3D(i, 0.5 * i * i, 1.0));
  conf->set3D(true);
  with_input.addConformer(conf, true);
  const Conformer c = generate_conformer(with_input, "strained", opt);
  CHECK(c.method == "input");
  CHECK(c.warning.find("strained: conformer generation failed") == 0);
  CHECK(c.pos[2].y == doctest::Approx(2.0));
}

TEST_CASE("conformer matching: a crystal ligand with randomised torsions is matched back to ~0 A") {
  const Ligand lig = read_ligand(complexes_dir() + "/6moa/6moa_ligand.sdf");
  const LigandGraph g = build_ligand_graph(*lig.mol);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  std::vector<Vec3> start = g.pos;
  std::vector<double> delta(size_t(g.torsions.size()));
  for (auto& d : delta) d = angle(rng);
  apply_torsion_changes(start, g.torsions, delta);
  const MatchResult m = match_conformer(start, g.pos, g.torsions);
  CHECK(m.rmsd_before > 0.5);
  CHECK(m.rmsd < 1e-3);
  // And an ETKDG conformer of it lands close to the crystal pose.
  const Conformer c = generate_conformer(*lig.mol, "6moa");
  const MatchResult e = match_conformer(c.pos, g.pos, g.torsions);
  CHECK(e.rmsd < e.rmsd_before + 1e-12);
  CHECK(e.rmsd < 1.5);
  // The matched conformer sits on the crystal pose (superposed), and its bond lengths are the conformer's.
  CHECK(symmetric_rmsd(g.pos, e.pos, g.automorphisms) <= e.rmsd + 1e-9);
  for (const auto& bnd : g.bonds)
    CHECK(distance(e.pos[size_t(bnd[0])], e.pos[size_t(bnd[1])]) ==
          doctest::Approx(distance(c.pos[size_t(bnd[0])], c.pos[size_t(bnd[1])])).epsilon(1e-9));
}

TEST_CASE("loader: the four layouts, split files, and skips with a reason") {
  TempDir tmp;
  copy_complexes(tmp, {"6moa", "1G9V_RQ3", "1a0q", "1a2b"});
  // A complex without a ligand, one whose ligand SDF has a bad valence (and no MOL2), one whose SDF is
  // broken but whose MOL2 reads.
  fs::create_directories(tmp.path / "nolig");
  fs::copy(complexes_dir() + "/6moa/6moa_protein_processed.pdb", tmp.path / "nolig" / "nolig_protein_processed.pdb");
  fs::create_directories(tmp.path / "badval");
  fs::copy(complexes_dir() + "/6moa/6moa_protein_processed.pdb", tmp.path / "badval" / "badval_protein.pdb");
  fs::copy(test_data("bad/docking_bad_valence.sdf"), tmp.path / "badval" / "badval_ligand.sdf");
  write_file((tmp.path / "1a0q" / "1a0q_ligand.sdf").string(), "not an sdf\n");

  std::vector<Complex> loaded;
  std::vector<SkippedComplex> skipped;
  const LoadSummary s = load_dataset(tmp.path.string(), {}, {}, [&](const Complex& c) { loaded.push_back(c); },
                                     [&](const SkippedComplex& k) { skipped.push_back(k); });
  CHECK(s.listed == 6);
  CHECK(s.loaded == 4);
  REQUIRE(skipped.size() == 2);
  CHECK(skipped[0].id == "badval");
  CHECK(skipped[0].reason == kSkipLigand);
  CHECK(skipped[0].message.find("Explicit valence") != std::string::npos);
  CHECK(skipped[1].id == "nolig");
  CHECK(skipped[1].reason == kSkipMissingFiles);
  CHECK(s.text() == "loaded 4 of 6; skipped 2: ligand-unreadable 1, missing-files 1");
  std::map<std::string, std::string> layout;
  for (const auto& c : loaded) layout[c.id] = c.layout;
  CHECK(layout["6moa"] == "diffdock-processed");
  CHECK(layout["1G9V_RQ3"] == "protein-ligand");
  CHECK(layout["1a0q"] == "pdbbind-raw");
  for (const auto& c : loaded)
    if (c.id == "1a0q") {
      CHECK(c.ligand_file.find("1a0q_ligand.mol2") != std::string::npos);  // the SDF failed, the MOL2 read
      CHECK_FALSE(c.warnings.empty());
    }
  // A split file picks and orders; an id without a folder is a skip.
  write_file(tmp.file("split.txt"), "# test split\n1a2b\n\n6moa\n6moa\nmissing_id\n");
  DatasetOptions opt;
  opt.split_file = tmp.file("split.txt");
  std::vector<std::string> ids;
  const LoadSummary t = load_dataset(tmp.path.string(), opt, {}, [&](const Complex& c) { ids.push_back(c.id); });
  CHECK(ids == std::vector<std::string>({"1a2b", "6moa"}));
  CHECK(t.skipped_by_reason().at(kSkipMissingFiles) == 1);
  // `enough` stops the listing: the complexes after it are never opened (data.limit).
  opt.split_file.clear();
  std::vector<std::string> first_two;
  opt.enough = [&] { return first_two.size() >= 2; };
  const LoadSummary u = load_dataset(tmp.path.string(), opt, {}, [&](const Complex& c) { first_two.push_back(c.id); });
  CHECK(first_two.size() == 2);
  CHECK(u.loaded == 2);
  CHECK(u.not_read == u.listed - 2 - int64_t(u.skipped.size()));
  CHECK(u.text().find("not read: limit reached") != std::string::npos);
  opt.enough = nullptr;
  // The PDBQT form of 1a2b gives the same receptor and the same ligand atoms.
  opt.split_file.clear();
  const Complex pdb = load_complex(find_complex(tmp.path.string(), "1a2b", "auto"));
  const Complex qt = load_complex(find_complex(tmp.path.string(), "1a2b", "pdbqt"));
  for (const auto& d : compare_complexes(pdb, qt)) {
    MESSAGE("1a2b PDBQT form differs: " << d.kind << ": " << d.detail);
    CHECK(d.kind.rfind("ligand-", 0) == 0);  // the receptor is the same
    CHECK(d.kind != "ligand-positions");
    CHECK(d.kind != "ligand-size");
  }
}

TEST_CASE("loader: crystal sanity checks skip superposed alternate conformations and ligands inside the protein") {
  TempDir tmp;
  copy_complexes(tmp, {"6moa"});
  const Ligand lig = read_ligand(complexes_dir() + "/6moa/6moa_ligand.sdf");
  auto pos = lig.positions();
  // Ligand pushed into the protein: place it on a protein atom.
  const Protein p = read_pdb(complexes_dir() + "/6moa/6moa_protein_processed.pdb");
  const Vec3 shift = p.residues[0].atom("CA")->pos - pos[0];
  std::vector<Vec3> inside = pos;
  for (auto& x : inside) x += shift;
  write_file((tmp.path / "6moa" / "6moa_ligand.sdf").string(), mol_block(*lig.mol, inside) + "$$$$\n");
  try {
    load_complex(find_complex(tmp.path.string(), "6moa"));
    FAIL("expected a skip");
  } catch (const ComplexError& e) {
    CHECK(e.reason == kSkipLigandInProtein);
  }
  std::vector<Vec3> overlapping = pos;
  overlapping[1] = overlapping[0] + Vec3{0.3, 0, 0};
  write_file((tmp.path / "6moa" / "6moa_ligand.sdf").string(), mol_block(*lig.mol, overlapping) + "$$$$\n");
  try {
    load_complex(find_complex(tmp.path.string(), "6moa"));
    FAIL("expected a skip");
  } catch (const ComplexError& e) {
    CHECK(e.reason == kSkipLigandOverlap);
  }
}

TEST_CASE("cache: round trip; stale and corrupt files are rebuilt, never trusted") {
  TempDir tmp;
  copy_complexes(tmp, {"6moa", "1a2b"});
  DatasetOptions opt;
  opt.cache_dir = tmp.file("cache");
  std::vector<Complex> first, second;
  std::vector<std::string> infos;
  disco::Reporter reporter;
  reporter.log = [&](disco::LogLevel, const std::string& m) { infos.push_back(m); };
  const LoadSummary a = load_dataset(tmp.path.string(), opt, reporter, [&](const Complex& c) { first.push_back(c); });
  CHECK(a.cache_written == 2);
  const LoadSummary b = load_dataset(tmp.path.string(), opt, reporter, [&](const Complex& c) { second.push_back(c); });
  CHECK(b.from_cache == 2);
  REQUIRE(second.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(compare_complexes(first[i], second[i]).empty());
    CHECK(first[i].ligand.automorphisms == second[i].ligand.automorphisms);
    CHECK(first[i].ligand.torsions.mask == second[i].ligand.torsions.mask);
    CHECK(first[i].receptor.edges.src == second[i].receptor.edges.src);
    CHECK(first[i].ligand_molblock == second[i].ligand_molblock);
  }
  const std::string path = cache_path(opt.cache_dir, "6moa");
  Complex c;
  std::string why;
  const ComplexFiles files = find_complex(tmp.path.string(), "6moa");
  // Corrupt: one flipped byte in the payload.
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    char x;
    f.read(&x, 1);
    f.seekp(200);
    x = char(x ^ 0x40);
    f.write(&x, 1);
  }
  CHECK_FALSE(read_cached_complex(path, files, opt, c, why));
  CHECK(why == "corrupt: CRC-32 mismatch");
  // Truncated.
  fs::resize_file(path, 100);
  CHECK_FALSE(read_cached_complex(path, files, opt, c, why));
  CHECK(why.rfind("corrupt:", 0) == 0);
  // Garbage.
  write_file(path, "hello");
  CHECK_FALSE(read_cached_complex(path, files, opt, c, why));
  CHECK(why.rfind("corrupt:", 0) == 0);
  // The loader rebuilds it (and says so), then trusts the new one.
  infos.clear();
  const LoadSummary d = load_dataset(tmp.path.string(), opt, reporter, [](const Complex&) {});
  CHECK(d.from_cache == 1);
  CHECK(d.cache_written == 1);
  REQUIRE_FALSE(infos.empty());
  CHECK(infos.front().find("6moa: cache corrupt") == 0);
  CHECK(read_cached_complex(path, files, opt, c, why));
  // Stale: the ligand file changed (size and time), or the options changed.
  const auto lig = (tmp.path / "6moa" / "6moa_ligand.sdf").string();
  { std::ofstream(lig, std::ios::app) << "\n"; }
  fs::last_write_time(lig, fs::last_write_time(lig) + std::chrono::seconds(5));
  CHECK_FALSE(read_cached_complex(path, files, opt, c, why));
  CHECK(why == "stale: the input files changed");
  DatasetOptions other = opt;
  other.graph.receptor_radius = 10;
  CHECK_FALSE(read_cached_complex(cache_path(opt.cache_dir, "1a2b"), find_complex(tmp.path.string(), "1a2b"), other, c, why));
  CHECK(why == "stale: built with other options");
}

TEST_CASE("tensors: positions go to a float32 [N, 3] tensor and back") {
  const Complex c = load_complex(find_complex(complexes_dir(), "6moa"));
  const torch::Tensor pos = to_tensor(c.ligand.pos);
  CHECK(pos.sizes().vec() == std::vector<int64_t>{c.ligand.num_atoms(), 3});
  CHECK(bool(pos.scalar_type() == torch::kFloat));
  CHECK(rmsd(from_tensor(pos), c.ligand.pos) < 1e-5);
}
