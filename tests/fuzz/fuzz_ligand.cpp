// Fuzz target: arbitrary bytes as a ligand file in each format RDKit reads for disco (SDF, MOL2, SMILES), with
// the Open Babel fallback on, as `disco dock` reads them. Accepted, or rejected with a disco::Error; an RDKit
// or Open Babel exception escaping the reader, a crash or a sanitizer report is a bug.
#include <cstdint>
#include <string>

#include "disco/error.h"
#include "molecule.h"

namespace {

void read_as(const std::string& text, const char* name) {
  disco::docking::LigandReadOptions options;
  options.max_molecules = 4;  // a fuzzed file may hold thousands of records; four show the per-record paths
  try {
    for (const auto& ligand : disco::docking::parse_ligands(text, name, options)) {
      // The cache stores every ligand as a MOL block and reads it back.
      if (ligand.has_3d) (void)disco::docking::mol_from_block(disco::docking::mol_block(*ligand.mol), name);
    }
  } catch (const disco::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  read_as(text, "fuzz.sdf");
  read_as(text, "fuzz.mol2");
  read_as(text, "fuzz.smi");
  return 0;
}
