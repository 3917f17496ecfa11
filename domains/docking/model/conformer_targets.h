// Conformer matching for the docking data (data.conformer_matching), as DiffDock trains: the model
// learns to move an RDKit conformer, the kind of ligand a user has at docking time, not the crystal geometry.
//
// Per complex: an ETKDG conformer of the ligand (generate_conformer, seeded by the complex id and the run's
// seed), and that conformer with its torsions optimised to the crystal pose and rigidly superposed on it
// (match_conformer). Training learns the matched conformer: reachable from the conformer by a rigid motion and
// torsion changes alone, with the conformer's bond lengths, angles and ring puckers. Evaluation docks the
// conformer itself (its torsions and orientation are randomised by the sampler anyway) and measures the RMSD
// against the crystal pose.
//
// The result is cached as CACHE_DIR/ID.conformers (text), keyed by a format version, the seed and the ligand's
// MOL block; a stale or unreadable file is recomputed and rewritten, never trusted.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "disco/progress.h"
#include "geometry.h"

namespace disco::docking {

struct Complex;

struct LigandConformers {
  std::vector<Vec3> conformer;  // the ETKDG conformer as generated (heavy atoms, graph order)
  std::vector<Vec3> matched;    // its torsions matched to the crystal pose, superposed on it
  double rmsd_conformer = 0;    // the conformer superposed on the crystal pose, no torsion changed (Å)
  double rmsd_matched = 0;      // the matched conformer to the crystal pose, in place (Å)
  std::string method;           // generate_conformer's: "etkdg", "etkdg-random-coords" or "input"
};

// The seed of complex `id`'s conformer: the same for its training and test use, different across complexes.
uint32_t conformer_seed(const std::string& id, uint64_t seed);

// Computes (or reads from `cache_dir`, when not empty) the conformers of `complex`'s ligand. A fallback to the
// input coordinates (ETKDG failed) is a warning through `reporter`. Throws DataError when RDKit cannot read
// the ligand's MOL block.
LigandConformers ligand_conformers(const Complex& complex, uint64_t seed, const std::string& cache_dir,
                                   const Reporter& reporter);

// The cache file of complex `id` under `cache_dir`.
std::string conformer_cache_path(const std::string& cache_dir, const std::string& id);

}  // namespace disco::docking
