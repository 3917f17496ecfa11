// One docking training/evaluation example as the model sees it: a ligand (atoms, bonds, torsions, a pose) and
// the receptor residues of a pocket around a centre, plus the padded-tensor layout that carries a batch of
// examples through the core's Batch (one row per example, so batching, indexing and data parallelism work
// as for any other domain).
//
// The pocket: receptor residues whose Cα lies within `pocket_radius` Å of the pocket centre, at most
// `max_residues` (nearest first). In training the centre is the crystal ligand's centroid moved by a random
// offset of up to `pocket_jitter` Å, so that the model cannot read the answer off the centre; at docking time
// it is the user's (e.g. a reference ligand's centroid, as for Vina's box). pocket_radius = 0 is blind
// docking: the centre is the protein's (its Cα centroid) in training and docking alike, and the residues are
// the max_residues nearest to it (all of them when max_residues is large enough, as it should be).
#pragma once
#include <ATen/core/Tensor.h>

#include <array>
#include <string>
#include <vector>

#include "disco/batch.h"
#include "geometry.h"
#include "graph.h"
#include "torsion.h"

namespace disco::docking {

struct Complex;

struct PocketOptions {
  double pocket_radius = 16.0;  // Å; 0 = whole protein
  double pocket_jitter = 2.0;   // Å, training only
  int64_t max_residues = 64;
  int64_t max_ligand_atoms = 64;
  double receptor_radius = 15.0;     // Å, residue-residue edges
  int receptor_max_neighbours = 24;  // per residue
};

struct DockingExample {
  std::string id;
  std::vector<Vec3> lig_pos;                  // the pose to learn (training) or the ligand to dock from (test)
  std::vector<Vec3> reference_pos;            // the crystal pose, for RMSD: lig_pos unless conformer matching
  std::vector<int32_t> atom_features;         // [L, kNumAtomFeatures]
  TorsionSet torsions;
  std::vector<Vec3> rec_pos;                  // Cα of the pocket residues
  std::vector<int32_t> rec_type;              // residue type per pocket residue
  std::vector<ResidueId> rec_residues;        // which residue each pocket node is (for output; latent_nodes.h)
  EdgeList rec_edges;                         // among the pocket residues
  Vec3 pocket_centre;
  std::vector<Vec3> prior_pos;                // the ligand with random torsions and orientation at the centre
  std::string molblock;                       // the ligand for writing poses
  std::string protein_file, ligand_file;      // where the complex came from (empty for synthetic ones)
  std::vector<std::vector<int32_t>> automorphisms;  // for symmetry-corrected RMSD (graph.h)
  int64_t num_atoms() const { return int64_t(lig_pos.size()); }
  int64_t num_residues() const { return int64_t(rec_pos.size()); }
};

// Crops the complex's receptor to the pocket around `centre` and copies the ligand. `seed` drives the
// prior pose (random torsions and orientation), so the same seed gives the same example. Throws DataError
// when the ligand has more than max_ligand_atoms atoms or no residue is inside the pocket.
DockingExample make_example(const Complex& complex, const Vec3& centre, const PocketOptions& options, uint64_t seed);

// Width of the node features the score model reads: one-hot ligand atom features then residue types.
int64_t node_feature_dim();

// Padded batch layout (B = examples, L = max_ligand_atoms, R = max_residues, T = L - 2 torsions,
// E = R * receptor_max_neighbours):
//   lig_pos [B,L,3] float (the diffused state), lig_mask [B,L] bool, lig_feat [B,L,F] int64,
//   tor_bonds [B,T,2] int64 (-1 padding), tor_mask [B,T,L] bool, rec_pos [B,R,3], rec_mask [B,R] bool,
//   rec_type [B,R] int64, rec_edges [B,E,2] int64 (-1 padding), pocket_centre [B,3], prior_pos [B,L,3],
//   example [B] int64 (index into the dataset).
Batch pack_examples(const std::vector<const DockingExample*>& examples, const PocketOptions& options,
                    const std::vector<int64_t>& indices);

}  // namespace disco::docking
