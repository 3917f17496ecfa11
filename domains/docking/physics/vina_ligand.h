// The ligand's half of the Vina score: XS types of its heavy atoms, the atom pairs of its intramolecular term,
// and its rotatable-bond count for the affinity's normalisation, all from Open Babel's PDBQT preparation of
// the molecule (autodock_input.h), so they match what Vina reads from `obabel -p 7.4` output.
//
// Intramolecular pairs (Trott & Olson 2010): atoms that can move relative to each other, i.e. in different
// rigid pieces once the rotatable bonds are cut, and more than three bonds apart. N_rot counts, for every heavy
// atom, half of each rotatable bond to a heavy neighbour that itself has more than one heavy neighbour (Vina's
// conf_independent_inputs: a terminal CH3 or OH rotor adds at most one half).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "autodock_input.h"
#include "xs_atom_types.h"

namespace disco::docking {

struct VinaLigand {
  std::vector<XsType> types;                       // per heavy atom, in the molecule's order
  std::vector<std::array<int32_t, 2>> intra_pairs;  // i < j, heavy atom indices
  std::vector<std::array<int32_t, 2>> rotatable_bonds;  // Open Babel's rotors between heavy atoms (0-based)
  double num_rotatable = 0;                        // N_rot (may be a half-integer)
  // 1 / (1 + 0.05846 N_rot): the factor from the intermolecular energy to the predicted affinity.
  double affinity_factor() const;
};

// `pdbqt`: the molecule as ligand_pdbqt made it (serial = 1-based heavy atom index); `bonds`: its heavy-atom
// bonds (0-based). Throws DataError naming `name` when the PDBQT's heavy atoms are not the molecule's.
VinaLigand make_vina_ligand(const PdbqtMolecule& pdbqt, int64_t num_atoms, const std::vector<std::array<int32_t, 2>>& bonds,
                            const std::string& name);

}  // namespace disco::docking
