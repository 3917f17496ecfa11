// Conformers: RDKit ETKDG with a seed and a fallback chain, and conformer matching (DiffDock's training
// target: the torsions of a generated conformer optimised to minimise its RMSD to the crystal pose, so that
// the model learns poses reachable from RDKit conformers by rigid motions and torsion changes alone).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "geometry.h"
#include "torsion.h"

namespace RDKit {
class ROMol;
}

namespace disco::docking {

struct ConformerOptions {
  uint32_t seed = 0;
  bool mmff = true;                      // MMFF94 minimisation after embedding (skipped when unparameterised)
  unsigned random_coords_attempts = 0;   // maxIterations for the random-coordinate retry; 0 = RDKit's default
};

struct Conformer {
  std::vector<Vec3> pos;  // heavy atoms, in the molecule's order
  std::string method;     // "etkdg", "etkdg-random-coords" or "input"
  std::string warning;    // set when a fallback was used; names the molecule
};

// ETKDGv3 (seeded) on the molecule with hydrogens added. When embedding fails: retry from random
// coordinates, then fall back to the input conformer (a warning naming the molecule). Throws DataError
// when all fail and the input has no 3-D coordinates.
Conformer generate_conformer(const RDKit::ROMol& mol, const std::string& name, const ConformerOptions& options = {});

struct MatchOptions {
  uint64_t seed = 0;   // for the random restarts
  int restarts = 2;    // extra starts from random torsions
  int max_sweeps = 20;
};

struct MatchResult {
  std::vector<Vec3> pos;          // the matched conformer, superposed on the crystal pose
  double rmsd = 0;                // to the crystal pose after superposition (same atom order), Å
  double rmsd_before = 0;         // the input conformer's, before the torsions were optimised
  std::vector<double> torsion_changes;  // what was applied to the input conformer, radians
};

// Optimises the conformer's torsion angles to minimise its RMSD to `crystal` after superposition: starts
// from the conformer itself, from the conformer with the crystal's dihedral angles copied, and from
// `restarts` random torsions; each start runs coordinate descent (a 10-degree scan per torsion, then a
// golden-section refinement) until a sweep no longer improves. Bond lengths and angles are untouched.
MatchResult match_conformer(const std::vector<Vec3>& conformer, const std::vector<Vec3>& crystal,
                            const TorsionSet& torsions, const MatchOptions& options = {});

}  // namespace disco::docking
