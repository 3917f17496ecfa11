// Atom correspondences between two heavy-atom molecular graphs, for symmetry-corrected RMSD: atoms match
// by element and connectivity; bond orders, charges and aromaticity are ignored, so the two oxygens of a
// carboxylate (C(=O)O in the file) are interchangeable and a pose from another tool whose bond orders were
// perceived differently still matches. Uses RDKit's substructure matcher on stripped copies; two graphs of
// the same size and bond count that match as substructures are isomorphic.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace RDKit {
class ROMol;
}

namespace disco::docking {

struct Isomorphisms {
  // mappings[k][i] = the reference atom that probe atom i corresponds to.
  std::vector<std::vector<int32_t>> mappings;
  bool truncated = false;  // more exist than max_mappings
};

// All isomorphisms probe -> reference (empty when the graphs differ). With ref == probe these are the
// automorphisms, the identity first.
Isomorphisms graph_isomorphisms(const RDKit::ROMol& reference, const RDKit::ROMol& probe, size_t max_mappings);

// "C12 N2 O3 (25 bonds)": what differs when two graphs do not match.
std::string graph_summary(const RDKit::ROMol& mol);

}  // namespace disco::docking
