// What each DisCo latent of a docked pose picked, in words: a latent is a node of the joint graph
// (joint_graph.h: node-local index i < atoms is ligand atom i, atoms + j is pocket residue j), so it is a ligand
// atom or a pocket residue. `disco dock` writes these to summary.csv (latent1, latent2, ...), to each pose's SDF
// fields and to the report, which highlights the residue next to the pose.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "docking_example.h"

namespace disco::docking {

// "ligand atom 7 (N)" (1-based, the atom's line in the SDF atom block) or "residue A:HIS41" (chain, residue name,
// number and insertion code as in the PDB file; "residue HIS41" when the chain is blank). A node outside the
// example (a padding index) is "node 57 (none)".
std::string describe_latent_node(const DockingExample& example, int64_t node);

}  // namespace disco::docking
