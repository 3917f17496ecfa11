#include "latent_nodes.h"

#include <GraphMol/PeriodicTable.h>

namespace disco::docking {

std::string describe_latent_node(const DockingExample& e, int64_t node) {
  if (node >= 0 && node < e.num_atoms()) {
    const int z = e.atom_features[size_t(node * kNumAtomFeatures + kAtomicNumber)];
    const std::string element = z > 0 ? RDKit::PeriodicTable::getTable()->getElementSymbol(z) : std::string("?");
    return "ligand atom " + std::to_string(node + 1) + " (" + element + ")";
  }
  const int64_t j = node - e.num_atoms();
  if (j >= 0 && j < int64_t(e.rec_residues.size())) {
    const ResidueId& r = e.rec_residues[size_t(j)];
    std::string text = "residue ";
    if (r.chain != ' ') text += std::string(1, r.chain) + ":";
    text += r.name + std::to_string(r.number);
    if (r.insertion != ' ') text += r.insertion;
    return text;
  }
  return "node " + std::to_string(node) + " (none)";
}

}  // namespace disco::docking
