// Proteins from PDB (and PDBQT) files, with our own parser: the fixed-column ATOM/HETATM records are all a
// docking model needs, and reading them ourselves lets every problem be reported as FILE:LINE.
//
// What is kept: residues (ATOM, or HETATM of a modified amino acid such as MSE) that have N, CA and C after
// alternate locations are resolved; one residue per (chain, number, insertion code). Alternate locations:
// per residue, the altloc with the highest total occupancy wins (ties: the first in the file); atoms
// without an altloc are always kept. Hydrogens (element H/D) and waters are dropped and counted; other
// HETATM groups (ligands, ions, cofactors) are kept apart in `hetero`. Only the first MODEL is read.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "geometry.h"

namespace disco::docking {

struct PdbAtom {
  std::string name;     // "CA", trimmed
  std::string element;  // "C", "FE": from columns 77-78, else guessed from the name
  Vec3 pos;
  double occupancy = 1.0;
  double b_factor = 0.0;
  int serial = 0;
};

struct Residue {
  std::string name;  // "ALA", as written
  char chain = ' ';
  int number = 0;
  char insertion = ' ';
  bool hetatm = false;
  std::vector<PdbAtom> atoms;
  const PdbAtom* atom(const std::string& atom_name) const;  // nullptr when absent
  std::string label() const;  // "A:ALA42B"
};

struct Protein {
  std::string path;
  std::vector<Residue> residues;  // amino acids with N, CA and C, in file order
  std::vector<Residue> hetero;    // other HETATM groups (not waters)
  std::vector<char> chains;       // chain ids of `residues`, in order of first appearance
  // What was dropped, for reports.
  int64_t hydrogens_dropped = 0, waters_dropped = 0, altloc_atoms_dropped = 0;
  int64_t residues_without_backbone = 0;  // amino-acid residues lacking N, CA or C
  int64_t atoms() const;                  // heavy atoms in `residues`
};

struct PdbOptions {
  bool keep_hydrogens = false;
};

// Throws DataError "FILE:LINE: ..." for unreadable input: a missing, empty or binary file, a truncated or
// malformed coordinate record, or no residue with N, CA and C.
Protein read_pdb(const std::string& path, const PdbOptions& options = {});
Protein parse_pdb(const std::string& text, const std::string& name, const PdbOptions& options = {});

// One-letter-ish residue type index used by the receptor graph: 0..19 the standard amino acids
// (ALA ARG ASN ASP CYS GLN GLU GLY HIS ILE LEU LYS MET PHE PRO SER THR TRP TYR VAL), 20 = other.
// Common variants map to their parent (MSE->MET, HID/HIE/HIP->HIS, CYX/CYM->CYS, ...).
constexpr int kNumResidueTypes = 21;
int residue_type(const std::string& residue_name);
const char* residue_type_name(int type);

// True for names of standard or modified amino acids we accept as HETATM residues (MSE, SEP, TPO, ...).
bool is_amino_acid(const std::string& residue_name);
bool is_water(const std::string& residue_name);

// The PDB text of the protein's residues (ATOM records, HETATM for hetero residues), without END.
std::string protein_pdb_records(const Protein& protein, int first_serial = 1);

}  // namespace disco::docking
