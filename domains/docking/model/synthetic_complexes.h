// The built-in synthetic complexes (data.root = ""): small drug-like ligands from a fixed SMILES list,
// embedded with RDKit (seeded), each inside a shell of pseudo-residues placed 4-8 Å from its atoms with
// deterministic random types. Enough to run every code path, the conformance suite and a first training run
// without any download; not a benchmark.
#pragma once
#include <vector>

#include "complex.h"

namespace disco::docking {

// `count` complexes; `seed` picks the conformers, shells and residue types ("train" and "test" use different
// seeds).
std::vector<Complex> synthetic_complexes(int64_t count, uint64_t seed);

}  // namespace disco::docking
