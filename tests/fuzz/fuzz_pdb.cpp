// Fuzz target: arbitrary bytes as a PDB protein (the docking domain's own fixed-column reader). Accepted, or
// rejected with a disco::Error; anything else is a bug. An accepted protein is written back as PDB records,
// which must read again.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "disco/error.h"
#include "protein.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  disco::docking::Protein protein;
  try {
    protein = disco::docking::parse_pdb(text, "fuzz.pdb");
  } catch (const disco::Error&) {
    return 0;
  }
  // What the reader accepted, it writes; what it writes, it reads back (a DataError here escapes: a bug). The
  // count may shrink, never grow: two residues with one number that the input kept apart (microheterogeneity
  // is looked for among neighbours only) are neighbours once written, and one is dropped
  // (corpus/pdb/regression_far_microheterogeneity.pdb).
  const auto again = disco::docking::parse_pdb(disco::docking::protein_pdb_records(protein), "fuzz-again.pdb");
  if (again.residues.empty() || again.residues.size() > protein.residues.size()) std::abort();
  return 0;
}
