// Reading and writing: the PDB parser, ligands through RDKit and Open Babel, pose and complex writers.
#include <GraphMol/GraphMol.h>

#include <fstream>
#include <sstream>

#include "automorphism.h"
#include "complex.h"
#include "disco/error.h"
#include "graph.h"
#include "metrics.h"
#include "molecule.h"
#include "protein.h"
#include "test_util.h"
#include "text_file.h"
#include <doctest/doctest.h>  // last: LibTorch brings glog, whose CHECK it must override

using namespace disco::docking;
using namespace docking_test;

namespace {

std::string atom_line(const char* record, int serial, const char* name, char altloc, const char* res, char chain, int num,
                      char icode, double x, double y, double z, double occ, const char* element) {
  char buf[100];
  std::snprintf(buf, sizeof buf, "%-6s%5d %-4s%c%3s %c%4d%c   %8.3f%8.3f%8.3f%6.2f%6.2f          %2s\n", record, serial,
                name, altloc, res, chain, num, icode, x, y, z, occ, 20.0, element);
  return buf;
}

// A backbone residue (N, CA, C, O) at offset x.
std::string residue(const char* res, char chain, int num, char icode, double x, const char* record = "ATOM",
                    char altloc = ' ', double occ = 1.0) {
  return atom_line(record, 1, " N  ", altloc, res, chain, num, icode, x, 0, 0, occ, "N") +
         atom_line(record, 2, " CA ", altloc, res, chain, num, icode, x + 1.46, 0, 0, occ, "C") +
         atom_line(record, 3, " C  ", altloc, res, chain, num, icode, x + 2.0, 1.4, 0, occ, "C") +
         atom_line(record, 4, " O  ", altloc, res, chain, num, icode, x + 2.0, 2.6, 0, occ, "O");
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const disco::DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("PDB: chains, insertion codes, hydrogens, waters, HETATM groups and modified residues") {
  std::string pdb = residue("ALA", 'A', 1, ' ', 0) + residue("GLY", 'A', 2, ' ', 4) + residue("GLY", 'A', 2, 'A', 8) +
                    atom_line("ATOM", 9, " H  ", ' ', "GLY", 'A', 2, 'A', 8, 1, 1, 1, "H") +
                    residue("MSE", 'B', 10, ' ', 12, "HETATM") +
                    atom_line("HETATM", 20, " O  ", ' ', "HOH", 'A', 301, ' ', 30, 0, 0, 1, "O") +
                    atom_line("HETATM", 21, "ZN  ", ' ', " ZN", 'A', 302, ' ', 33, 0, 0, 1, "ZN") +
                    atom_line("HETATM", 22, " C1 ", ' ', "LIG", 'A', 303, ' ', 36, 0, 0, 1, "C");
  const Protein p = parse_pdb(pdb, "mem.pdb");
  REQUIRE(p.residues.size() == 4);
  CHECK(p.residues[1].insertion == ' ');
  CHECK(p.residues[2].insertion == 'A');  // 2 and 2A are two residues
  CHECK(p.residues[3].name == "MSE");
  CHECK(residue_type(p.residues[3].name) == residue_type("MET"));
  CHECK(p.chains == std::vector<char>{'A', 'B'});
  CHECK(p.hydrogens_dropped == 1);
  CHECK(p.waters_dropped == 1);
  REQUIRE(p.hetero.size() == 2);
  CHECK(p.hetero[0].atoms[0].element == "Zn");
  const ReceptorGraph g = build_receptor_graph(p);
  CHECK(g.num_nodes() == 4);
  CHECK(g.chain_index == std::vector<int32_t>{0, 0, 0, 1});
  CHECK(g.residue_type[0] == residue_type("ALA"));
  CHECK(distance(g.n_offset[0], {-1.46, 0, 0}) < 1e-9);
  CHECK(distance(g.c_offset[0], {0.54, 1.4, 0}) < 1e-9);
}

TEST_CASE("PDB: alternate locations keep the higher-occupancy altloc per residue") {
  std::string pdb = residue("SER", 'A', 5, ' ', 0, "ATOM", 'A', 0.4) + residue("SER", 'A', 5, ' ', 0.5, "ATOM", 'B', 0.6) +
                    residue("VAL", 'A', 6, ' ', 4);
  const Protein p = parse_pdb(pdb, "alt.pdb");
  REQUIRE(p.residues.size() == 2);
  CHECK(p.residues[0].atom("CA")->pos.x == doctest::Approx(1.96));  // altloc B (0.6)
  CHECK(p.residues[0].atoms.size() == 4);
  CHECK(p.altloc_atoms_dropped == 4);
  // Microheterogeneity: two residue names at one position.
  std::string micro = residue("ARG", 'A', 7, ' ', 0, "ATOM", 'A', 0.7) + residue("LYS", 'A', 7, ' ', 0.5, "ATOM", 'B', 0.3);
  const Protein q = parse_pdb(micro, "micro.pdb");
  REQUIRE(q.residues.size() == 1);
  CHECK(q.residues[0].name == "ARG");
}

TEST_CASE("PDB: PDBQT atom types give the element; only the first MODEL is read") {
  std::string line = "ATOM      2  CA  ILE A   4      21.688  30.359   0.711  1.00  0.00     0.403 A \n";
  std::string pdbqt = "ATOM      1  N   ILE A   4      22.984  31.090   0.792  1.00  0.00     0.615 N \n" + line +
                      "ATOM      3  C   ILE A   4      20.886  30.672   1.964  1.00  0.00     0.257 C \n";
  const Protein p = parse_pdb(pdbqt, "x.pdbqt");
  CHECK(p.residues.at(0).atom("CA")->element == "C");
  std::string models = "MODEL        1\n" + residue("ALA", 'A', 1, ' ', 0) + "ENDMDL\nMODEL        2\n" +
                       residue("ALA", 'A', 2, ' ', 5) + "ENDMDL\n";
  CHECK(parse_pdb(models, "nmr.pdb").residues.size() == 1);
}

TEST_CASE("PDB: bad input is one clear error naming the file and line") {
  const std::string good = residue("ALA", 'A', 1, ' ', 0);
  CHECK(error_of([&] { parse_pdb(good + good.substr(0, 40), "cut.pdb"); }).rfind("cut.pdb:5: truncated ATOM record", 0) == 0);
  std::string no_ca = atom_line("ATOM", 1, " N  ", ' ', "ALA", 'A', 1, ' ', 0, 0, 0, 1, "N") +
                      atom_line("ATOM", 2, " C  ", ' ', "ALA", 'A', 1, ' ', 1, 0, 0, 1, "C");
  CHECK(error_of([&] { parse_pdb(no_ca, "noca.pdb"); }).find("noca.pdb: no amino-acid residue with N, CA and C") == 0);
  CHECK(error_of([&] { parse_pdb("", "empty.pdb"); }) == "empty.pdb: empty file");
  CHECK(error_of([&] { parse_pdb(std::string("ATOM\0\x01\x02", 7), "bin.pdb"); }).find("bin.pdb: binary data at byte") == 0);
  std::string bad_x = good;
  bad_x.replace(30, 8, "  12.x45");
  CHECK(error_of([&] { parse_pdb(bad_x, "x.pdb"); }) == "x.pdb:1: bad x coordinate '12.x45' (columns 31-38)");
  CHECK(error_of([&] { parse_pdb("HEADER nothing\nREMARK none\n", "none.pdb"); }) == "none.pdb: no ATOM or HETATM records");
  CHECK(error_of([&] { read_pdb("/nonexistent/x.pdb"); }).rfind("/nonexistent/x.pdb: cannot open", 0) == 0);
}

TEST_CASE("PDB: protein records written back parse to the same residues") {
  const Protein p = read_pdb(complexes_dir() + "/1a0q/1a0q_protein.pdb");
  CHECK(p.chains.size() == 2);
  const Protein q = parse_pdb(protein_pdb_records(p), "round.pdb");
  REQUIRE(q.residues.size() == p.residues.size());
  for (size_t i = 0; i < p.residues.size(); ++i) {
    CHECK(q.residues[i].label() == p.residues[i].label());
    CHECK(distance(q.residues[i].atom("CA")->pos, p.residues[i].atom("CA")->pos) < 1e-3);
  }
}

TEST_CASE("ligands: SDF, MOL2 (RDKit), SMILES, PDBQT (Open Babel) all end as heavy-atom RDKit molecules") {
  const Ligand sdf = read_ligand(complexes_dir() + "/1a0q/1a0q_ligand.sdf");
  const Ligand mol2 = read_ligand(complexes_dir() + "/1a0q/1a0q_ligand.mol2");
  CHECK(sdf.reader == "rdkit-sdf");
  CHECK(sdf.has_3d);
  CHECK(sdf.num_atoms() == mol2.num_atoms());
  for (const auto* a : sdf.mol->atoms()) CHECK(a->getAtomicNum() > 1);
  const Ligand smi = ligand_from_smiles("c1ccccc1C(=O)O");
  CHECK(smi.num_atoms() == 9);
  CHECK_FALSE(smi.has_3d);
  const Ligand pdbqt = read_ligand(complexes_dir() + "/1a2b/1a2b_ligand.pdbqt");
  const Ligand ref = read_ligand(complexes_dir() + "/1a2b/1a2b_ligand.sdf");
  CHECK(pdbqt.reader == "openbabel-pdbqt");
  REQUIRE(pdbqt.num_atoms() == ref.num_atoms());
  const auto a = pdbqt.positions(), b = ref.positions();
  CHECK(rmsd(a, b) < 1e-3);  // same atoms in the same order
}

TEST_CASE("ligands: MOL2 that RDKit cannot read goes through Open Babel, with a warning") {
  // A phosphonate typed as PDBBind's MOL2 files type it (O.co2 on P) and without hydrogens: RDKit's MOL2
  // reader refuses it (it needs explicit H to assign charges); Open Babel reads it.
  const std::string mol2 = R"(@<TRIPOS>MOLECULE
methylphosphonate
 5 4 0 0 0
SMALL
GAST_HUCK

@<TRIPOS>ATOM
      1 C1          0.0000    0.0000    0.0000 C.3     1 LIG1        0.0000
      2 P1          1.8000    0.0000    0.3000 P.3     1 LIG1        0.0000
      3 O1          2.3000    1.4000    0.6000 O.co2   1 LIG1        0.0000
      4 O2          2.3000   -0.7000    1.5000 O.co2   1 LIG1        0.0000
      5 O3          2.3000   -0.7000   -1.0000 O.3     1 LIG1        0.0000
@<TRIPOS>BOND
     1     1     2    1
     2     2     3    ar
     3     2     4    ar
     4     2     5    1
)";
  TempDir tmp;
  write_file(tmp.file("w.mol2"), mol2);
  const Ligand l = read_ligand(tmp.file("w.mol2"));
  CHECK(l.reader == "openbabel-mol2");
  CHECK(l.num_atoms() == 5);
  CHECK(l.has_3d);
  REQUIRE(l.warnings.size() == 1);
  CHECK(l.warnings[0].find("RDKit could not read it") == 0);
  CHECK(l.warnings[0].find("no explicit hydrogens") != std::string::npos);
  LigandReadOptions strict;
  strict.openbabel_fallback = false;
  CHECK(error_of([&] { read_ligand(tmp.file("w.mol2"), strict); }).find("RDKit cannot parse the MOL2 record") != std::string::npos);
}

TEST_CASE("ligands: bad input is one clear error") {
  TempDir tmp;
  // Carbon with five bonds.
  const std::string bad_valence = R"(bad
     RDKit          3D

  6  5  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.5000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
   -1.5000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    0.0000    1.5000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    0.0000   -1.5000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    0.0000    0.0000    1.5000 C   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  1  3  1  0
  1  4  1  0
  1  5  1  0
  1  6  1  0
M  END
$$$$
)";
  write_file(tmp.file("v.sdf"), bad_valence);
  const std::string e = error_of([&] { read_ligand(tmp.file("v.sdf")); });
  CHECK(e == tmp.file("v.sdf") + ": RDKit: Explicit valence for atom # 0 C, 5, is greater than permitted");
  CHECK(e.find('\n') == std::string::npos);
  const std::string s = error_of([&] { ligand_from_smiles("C1CC(", "in.smi:1"); });
  CHECK(s.rfind("in.smi:1: RDKit rejected SMILES 'C1CC(':", 0) == 0);
  write_file(tmp.file("e.sdf"), "");
  CHECK(error_of([&] { read_ligand(tmp.file("e.sdf")); }) == tmp.file("e.sdf") + ": empty file");
  write_file(tmp.file("x.unknownfmt"), "hello\n");
  CHECK(error_of([&] { read_ligand(tmp.file("x.unknownfmt")); }).find("unknown ligand format 'unknownfmt'") != std::string::npos);
}

TEST_CASE("writing: ranked poses to SDF with disco_confidence, disco_rank and disco_rmsd; read back") {
  const Ligand ref = read_ligand(complexes_dir() + "/6moa/6moa_ligand.sdf");
  const auto pos = ref.positions();
  std::vector<RankedPose> poses(3);
  for (int i = 0; i < 3; ++i) {
    poses[size_t(i)].pos = pos;
    for (auto& p : poses[size_t(i)].pos) p += Vec3{double(i), 0, 0};
    poses[size_t(i)].confidence = double(i);  // the last is the most confident, yet written last: the caller ranks
    poses[size_t(i)].rmsd = double(i);
  }
  TempDir tmp;
  write_ranked_poses(tmp.file("out.sdf"), *ref.mol, poses);
  const auto back = read_ligands(tmp.file("out.sdf"));
  REQUIRE(back.size() == 3);
  CHECK(back[0].properties.at("disco_rank") == "1");
  CHECK(back[0].properties.at("disco_confidence") == "0.0000");
  CHECK(back[2].properties.at("disco_confidence") == "2.0000");
  CHECK(back[2].properties.at("disco_rmsd") == "2.0000");
  CHECK(back[2].properties.at("disco_rank") == "3");
  CHECK(rmsd(back[0].positions(), poses[0].pos) < 1e-3);
  CHECK(rmsd(back[2].positions(), poses[2].pos) < 1e-3);
  // Any Open Babel format, e.g. MOL2 and PDBQT, reads back with the same coordinates.
  // (PDB ligands are read by Open Babel too, bonds perceived from the geometry and CONECT records.)
  for (const std::string fmt : {"mol2", "pdbqt", "pdb", "xyz"}) {
    write_ranked_poses(tmp.file("out." + fmt), *ref.mol, poses);
    const auto again = read_ligands(tmp.file("out." + fmt));
    REQUIRE(again.size() == 3);
    CHECK(again[0].num_atoms() == ref.num_atoms());
    if (fmt != "mol2") CHECK(again[0].reader == "openbabel-" + fmt);  // RDKit reads MOL2 itself
    // Same coordinates, atoms perhaps in another order (the PDBQT writer orders them by its torsion tree).
    const auto iso = graph_isomorphisms(*ref.mol, *again[0].mol, 1000);
    REQUIRE_FALSE(iso.mappings.empty());
    CHECK(symmetric_rmsd(poses[0].pos, again[0].positions(), iso.mappings) < 1e-3);
  }
  CHECK(error_of([&] { write_ranked_poses(tmp.file("out.nosuchformat"), *ref.mol, poses); }).find("cannot write format") !=
        std::string::npos);
}

TEST_CASE("writing: the complex as PDB (protein + ligand HETATM + CONECT) reads back") {
  const Protein p = read_pdb(complexes_dir() + "/6moa/6moa_protein_processed.pdb");
  const Ligand lig = read_ligand(complexes_dir() + "/6moa/6moa_ligand.sdf");
  TempDir tmp;
  write_complex_pdb(tmp.file("c.pdb"), p, mol_block(*lig.mol));
  const Protein back = read_pdb(tmp.file("c.pdb"));
  CHECK(back.residues.size() == p.residues.size());
  REQUIRE(back.hetero.size() == 1);
  CHECK(int64_t(back.hetero[0].atoms.size()) == lig.num_atoms());
  // Open Babel reads the ligand part with the CONECT bonds.
  const std::string text = read_text_file(tmp.file("c.pdb"), "PDB");
  CHECK(text.find("CONECT") != std::string::npos);
}
