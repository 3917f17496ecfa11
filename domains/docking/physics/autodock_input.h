// What the Vina score reads of a complex: PDBQT atoms (AutoDock types, polar hydrogens) and the ligand's
// rotatable bonds, either from PDBQT files a user prepared or made here from PDB/SDF input with Open Babel at
// pH 7.4, the same preparation as `obabel -xr -p 7.4` (receptor) and `obabel -p 7.4` (ligand), so that disco
// and `vina --score_only` on Open Babel's files see the same atoms.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "xs_atom_types.h"

namespace disco::docking {

struct PdbqtMolecule {
  std::vector<AutodockAtom> atoms;                  // every ATOM/HETATM record, hydrogens included
  std::vector<std::array<int, 2>> rotatable_bonds;  // serial numbers of each BRANCH record's two atoms
};

// Parses PDBQT text (ATOM/HETATM records, AutoDock type in columns 78-79; BRANCH records). Throws DataError
// "<name>:<line>: ..." for a truncated or malformed coordinate record, or no atom at all.
PdbqtMolecule parse_pdbqt(const std::string& text, const std::string& name);

// The receptor as rigid PDBQT: `path` is a PDB (or any format Open Babel reads) or a PDBQT file, which is
// read as it is. Throws DataError naming the file.
PdbqtMolecule receptor_pdbqt(const std::string& path);

// The ligand (a V2000 MOL block, heavy atoms, as molecule.h writes it) as PDBQT with Open Babel's torsion
// tree; each atom's serial number is its 1-based index in the MOL block (hydrogens Open Babel added come after
// the heavy atoms). Throws DataError naming `name`.
PdbqtMolecule ligand_pdbqt(const std::string& molblock, const std::string& name);

}  // namespace disco::docking
