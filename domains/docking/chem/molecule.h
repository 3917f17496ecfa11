// Ligands in and out. RDKit reads SDF/MOL, MOL2 and SMILES; Open Babel reads everything else (PDBQT, PDB,
// XYZ, CML, ...) and stands in for RDKit when its MOL2 (or SDF) reader fails. Whatever the reader, the
// molecule ends as one RDKit molecule: sanitised, heavy atoms only (hydrogens removed, their count kept
// on the heavy atoms), atoms in file order, with the file's coordinates as conformer 0 (none for SMILES).
//
// Writing: ranked poses to SDF with `disco_confidence`, `disco_rank` and (when a reference is known)
// `disco_rmsd`; any other format Open Babel writes (mol2, pdbqt, pdb, xyz, ...) by converting that SDF.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "geometry.h"

namespace RDKit {
class ROMol;
}

namespace disco::docking {

struct Ligand {
  std::shared_ptr<RDKit::ROMol> mol;  // sanitised, heavy atoms only
  std::string name;                   // the record's title line or SMILES name; may be empty
  std::string reader;                 // "rdkit-sdf", "rdkit-mol2", "rdkit-smiles", "openbabel-pdbqt", ...
  bool has_3d = false;                // conformer 0 holds real 3-D coordinates
  std::map<std::string, std::string> properties;  // SDF data fields ("> <name>")
  std::vector<std::string> warnings;  // e.g. "RDKit could not read the MOL2 file (...); read with Open Babel"
  int64_t num_atoms() const;
  std::vector<Vec3> positions() const;  // conformer 0; throws DataError when there is none
};

struct LigandReadOptions {
  std::string format;             // "" = from the extension ("sdf", "mol2", "smi", or an Open Babel format)
  bool openbabel_fallback = true;  // MOL2/SDF that RDKit cannot read go through Open Babel
  size_t max_molecules = 0;       // 0 = all (read_ligands)
};

// The first molecule of the file. Throws DataError "FILE: ..." with RDKit's or Open Babel's reason.
Ligand read_ligand(const std::string& path, const LigandReadOptions& options = {});
// Every molecule of the file (poses), in file order; a record that fails is an error naming its number.
std::vector<Ligand> read_ligands(const std::string& path, const LigandReadOptions& options = {});
// From text already in memory; `name` stands for the file in messages and its extension picks the format
// unless options.format is set.
std::vector<Ligand> parse_ligands(const std::string& text, const std::string& name, const LigandReadOptions& options = {});
// One SMILES string; throws DataError "<name>: RDKit rejected SMILES '...': <reason>".
Ligand ligand_from_smiles(const std::string& smiles, const std::string& name = "SMILES");

// The file formats Open Babel can read / write, by extension ("pdbqt", ...).
bool openbabel_can_read(const std::string& format);
bool openbabel_can_write(const std::string& format);

// MOL block (V2000, heavy atoms) of `mol` with its conformer 0 replaced by `pos` (when not empty).
std::string mol_block(const RDKit::ROMol& mol, const std::vector<Vec3>& pos = {});
// Back from a MOL block written by mol_block (used by the cache); throws DataError.
std::shared_ptr<RDKit::ROMol> mol_from_block(const std::string& block, const std::string& name);

struct RankedPose {
  std::vector<Vec3> pos;      // heavy atoms, in the molecule's order
  std::optional<double> confidence;  // the confidence model's probability, written as disco_confidence
  std::optional<double> rmsd;  // to the reference, when known
  std::map<std::string, std::string> properties;  // extra SDF fields
};
// Numbers the poses disco_rank 1..N in the given order (the caller ranks them) and writes them atomically to
// `path` in `format` ("" = from the extension; sdf natively, anything else via Open Babel).
void write_ranked_poses(const std::string& path, const RDKit::ROMol& mol, const std::vector<RankedPose>& poses,
                        const std::string& format = "");
// SDF text of the ranked poses (what write_ranked_poses writes for format "sdf").
std::string ranked_poses_sdf(const RDKit::ROMol& mol, const std::vector<RankedPose>& ranked, const std::string& title);
// SDF text -> another Open Babel format; throws DataError for a format Open Babel cannot write.
std::string convert_with_openbabel(const std::string& sdf_text, const std::string& format);

}  // namespace disco::docking
