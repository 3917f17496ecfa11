// The graphs a docking model consumes. Plain arrays (no RDKit, no LibTorch in this header), so a model,
// the cache and the tests can use them directly; graph_tensors.h turns them into tensors.
//
// Receptor: one node per residue at its Cα, with the N and C positions as offset vectors from Cα (the
// backbone frame an equivariant model needs), a residue-type index, the chain index, an optional
// per-residue embedding (e.g. ESM), and radius edges (15 Å, at most 24 nearest neighbours per node).
// Ligand: heavy atoms with categorical chemical features, bonds with categorical features, rotatable
// bonds with the atoms each moves (torsion.h), and the graph automorphisms (for symmetry-corrected RMSD).
// Ligand radius edges and receptor-ligand cross edges depend on the pose, so they are built on the fly.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "geometry.h"
#include "protein.h"
#include "torsion.h"

namespace RDKit {
class ROMol;
}

namespace disco::docking {

// Directed edges src[i] -> dst[i].
struct EdgeList {
  std::vector<int32_t> src, dst;
  size_t size() const { return src.size(); }
};

struct GraphOptions {
  double receptor_radius = 15.0;     // Å
  int receptor_max_neighbours = 24;  // per node, nearest first
  double ligand_radius = 5.0;        // Å, for ligand_radius_edges
  double cross_radius = 20.0;        // Å, default cutoff for cross_edges
  size_t max_automorphisms = 1000;   // cap on the stored ligand automorphisms
};

struct ResidueId {
  char chain = ' ';
  int32_t number = 0;
  char insertion = ' ';
  std::string name;
};

struct ReceptorGraph {
  std::vector<Vec3> ca;                // node positions, Å
  std::vector<Vec3> n_offset;          // N - CA
  std::vector<Vec3> c_offset;          // C - CA
  std::vector<int32_t> residue_type;   // 0 .. kNumResidueTypes-1 (protein.h)
  std::vector<int32_t> chain_index;    // index into `chains`
  std::vector<char> chains;
  std::vector<ResidueId> residues;     // which residue each node is (for embeddings and output)
  std::vector<float> embedding;        // [num_nodes, embedding_dim] row-major; empty when none
  int64_t embedding_dim = 0;
  EdgeList edges;                      // radius edges, neighbour (src) -> node (dst)
  int64_t num_nodes() const { return int64_t(ca.size()); }
};

// Categorical ligand atom features, one column each; the value is an index below the column's size.
enum LigandAtomFeature : int {
  kAtomicNumber = 0,  // 1..118, 0 = other
  kChirality,         // CIP label: 0 none, 1 R, 2 S, 3 a stereocentre without a label (independent of atom order)
  kDegree,            // heavy-atom neighbours, 0..6 (6 = 6 or more)
  kFormalCharge,      // charge + 3, clamped to -3..+3
  kNumHydrogens,      // total H (implicit + explicit), 0..4 (4 = 4 or more)
  kHybridisation,     // unspecified, S, SP, SP2, SP3, SP3D, SP3D2, other
  kAromatic,          // 0/1
  kInRing,            // 0/1
  kRingCount,         // rings (SSSR) containing the atom, 0..3 (3 = 3 or more)
  kSmallestRing,      // 0 = none, 3..8 -> 1..6, larger -> 7
  kNumAtomFeatures
};
constexpr std::array<int32_t, kNumAtomFeatures> kAtomFeatureSizes = {119, 4, 7, 7, 5, 8, 2, 2, 4, 8};
const char* atom_feature_name(int column);

enum LigandBondFeature : int {
  kBondType = 0,   // single, double, triple, aromatic, other
  kConjugated,     // 0/1
  kBondInRing,     // 0/1
  kNumBondFeatures
};
constexpr std::array<int32_t, kNumBondFeatures> kBondFeatureSizes = {5, 2, 2};

struct LigandGraph {
  std::vector<Vec3> pos;                        // heavy atoms, Å (the crystal pose when loaded from a complex)
  std::vector<int32_t> atom_features;           // [num_atoms, kNumAtomFeatures] row-major
  std::vector<std::array<int32_t, 2>> bonds;    // each bond once, i < j, sorted (so the order does not depend on the file)
  std::vector<int32_t> bond_features;           // [num_bonds, kNumBondFeatures] row-major
  TorsionSet torsions;                          // rotatable bonds and their masks
  // Graph automorphisms (element + connectivity, bond orders ignored): perm[i] = the atom that atom i may
  // be swapped with. Always holds the identity first; capped at GraphOptions::max_automorphisms.
  std::vector<std::vector<int32_t>> automorphisms;
  bool automorphisms_truncated = false;
  int64_t num_atoms() const { return int64_t(pos.size()); }
  int32_t atomic_number(int64_t atom) const { return atom_features[size_t(atom * kNumAtomFeatures + kAtomicNumber)]; }
  EdgeList bond_edges() const;  // both directions
};

// ---- building ----
ReceptorGraph build_receptor_graph(const Protein& protein, const GraphOptions& options = {});
// `pos` overrides the molecule's conformer 0 (needed for SMILES input); empty = use the conformer.
LigandGraph build_ligand_graph(const RDKit::ROMol& mol, const GraphOptions& options = {}, std::vector<Vec3> pos = {});

// Attaches per-residue embeddings from a .npy file ([num_residues, dim], float32/float64/float16, C order;
// rows in the receptor graph's node order). Throws DataError when the file is unreadable or its row count
// differs from the number of nodes.
void attach_embeddings(ReceptorGraph& graph, const std::string& npy_path);

// ---- edges on the fly ----
// Every ordered pair (i != j) closer than `radius`; with max_neighbours > 0 only the nearest that many
// sources per destination (ties by index). Edges are sorted by destination, then distance.
EdgeList radius_edges(const std::vector<Vec3>& pos, double radius, int max_neighbours = 0);
// Ligand atom (src, index into ligand_pos) -> receptor node (dst, index into receptor_pos) pairs closer
// than `radius`, through a cell grid over the receptor.
EdgeList cross_edges(const std::vector<Vec3>& ligand_pos, const std::vector<Vec3>& receptor_pos, double radius);

}  // namespace disco::docking
