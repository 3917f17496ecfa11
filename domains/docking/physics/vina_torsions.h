// The torsions the refinement may turn: Vina's rotors (Open Babel's torsion tree: single, non-ring, non-amide
// bonds), a subset of the diffusion's torsions (chem/torsion.h: every non-ring, non-triple bond, double bonds and
// amides included, as DiffDock). The score has no torsional term and no intramolecular pair inside a rigid piece,
// so a double bond turned by the diffusion stays turned under refinement; it is put back to the input
// conformer's angle before refining instead (the bond geometry the checks compare against).
#pragma once
#include <vector>

#include "torsion.h"
#include "vina_ligand.h"

namespace disco::docking {

struct VinaTorsions {
  TorsionSet rotors;  // turned by the refinement
  TorsionSet fixed;   // the diffusion's other torsions: kept at the input conformer's angles
};

VinaTorsions split_vina_torsions(const TorsionSet& diffusion_torsions, const VinaLigand& ligand);

// Sets each of `fixed`'s torsions of `pose` to its angle in `conformer` (same atoms, same order).
void restore_fixed_torsions(std::vector<Vec3>& pose, const TorsionSet& fixed, const std::vector<Vec3>& conformer);

}  // namespace disco::docking
