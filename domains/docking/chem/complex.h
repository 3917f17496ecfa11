// Protein-ligand complexes from folders, as PDBBind, DiffDock and the Astex/DSDP sets lay them out, with
// a per-complex graph cache. One bad complex never stops a batch: it is skipped with a reason (a short
// category plus the one-line message) and the summary counts the skips by reason.
//
// Layouts (detected per complex folder ROOT/ID/):
//   diffdock-processed  ID_protein_processed.pdb + ID_ligand.sdf (ID_ligand.mol2 as fallback)
//   pdbbind-raw         ID_protein.pdb + ID_pocket.pdb + ID_ligand.sdf (ID_ligand.mol2 as fallback)
//   protein-ligand      ID_protein.pdb + ID_ligand.sdf (or .mol2): the Astex diverse set, DSDP
//   pdbqt               ID_protein.pdbqt + ID_ligand.pdbqt (with form = "pdbqt"): what Vina users have
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "disco/progress.h"
#include "graph.h"
#include "protein.h"

namespace disco::docking {

struct ComplexFiles {
  std::string id;
  std::string layout;                // see above
  std::string protein;               // path
  std::vector<std::string> ligands;  // candidate ligand files in order of preference; the first that reads wins
  std::string pocket;                // pdbbind-raw only (not used for the graph)
};

struct DatasetOptions {
  std::string split_file;      // ids, one per line; "" = every folder under the root
  std::string form = "auto";   // "auto": PDB + SDF/MOL2 by layout; "pdbqt": the PDBQT pair
  std::string cache_dir;       // "" = no cache
  std::string embeddings_dir;  // "" = none; else DIR/ID.npy, one row per receptor residue (graph.h)
  // Asked before each complex; once it returns true the rest are not read (data.limit: stop when enough
  // examples are kept, instead of parsing a whole PDBBind to keep ten). Empty: read all.
  std::function<bool()> enough;
  GraphOptions graph;
  // Sanity limits (Å) for crystal complexes; a complex outside them is skipped with the reason.
  double min_ligand_atom_distance = 0.8;    // closer heavy-atom pairs: superposed alternate conformations
  double min_protein_distance = 0.75;       // ligand atoms this close to protein atoms: the ligand is in the protein too
  double max_contact_distance = 10.0;       // nearest protein atom farther than this: not a complex
};

struct Complex {
  std::string id;
  std::string layout;
  std::string protein_file, ligand_file;
  std::string ligand_reader;     // which reader produced the ligand ("rdkit-sdf", "openbabel-pdbqt", ...)
  ReceptorGraph receptor;
  LigandGraph ligand;            // positions = the crystal pose
  std::string ligand_molblock;   // the ligand (heavy atoms, bond orders, crystal pose) as a MOL block
  int64_t protein_atoms = 0;     // heavy atoms of the kept residues
  int64_t hydrogens_dropped = 0, waters_dropped = 0, hetero_groups = 0;
  double nearest_protein_atom = 0;  // Å, from any ligand heavy atom
  std::vector<std::string> warnings;
};

// Why a complex was skipped: `reason` is a short category (the summary counts them), `message` one line.
struct SkippedComplex {
  std::string id;
  std::string reason;
  std::string message;
};

// Reason categories.
inline constexpr const char* kSkipMissingFiles = "missing-files";
inline constexpr const char* kSkipProtein = "protein-unreadable";
inline constexpr const char* kSkipLigand = "ligand-unreadable";
inline constexpr const char* kSkipLigandNot3d = "ligand-not-3d";
inline constexpr const char* kSkipLigandOverlap = "ligand-overlapping-atoms";
inline constexpr const char* kSkipLigandInProtein = "ligand-inside-protein";
inline constexpr const char* kSkipLigandFar = "ligand-not-in-contact";
inline constexpr const char* kSkipEmbedding = "embedding";
inline constexpr const char* kSkipOther = "other-error";  // anything unexpected, with the library's message

// Thrown by load_complex; the dataset loader turns it into a SkippedComplex.
struct ComplexError : std::runtime_error {
  ComplexError(std::string reason_, const std::string& message) : std::runtime_error(message), reason(std::move(reason_)) {}
  std::string reason;
};

// The ids of a split file (blank lines and # comments skipped, duplicates once). Throws DataError.
std::vector<std::string> read_split(const std::string& path);
// The files of complex `id` under `root` (the folder root/id), or a ComplexError (missing-files).
ComplexFiles find_complex(const std::string& root, const std::string& id, const std::string& form = "auto");
// Reads, checks and builds the graphs of one complex; throws ComplexError.
Complex load_complex(const ComplexFiles& files, const DatasetOptions& options = {});

struct LoadSummary {
  int64_t listed = 0, loaded = 0, from_cache = 0, cache_written = 0;
  int64_t not_read = 0;  // listed but never opened: DatasetOptions::enough said stop
  std::vector<std::string> ignored_folders;  // folders under the root holding no ID_* file (e.g. splits/)
  std::vector<SkippedComplex> skipped;
  std::map<std::string, int64_t> skipped_by_reason() const;
  std::string text() const;  // "loaded 83 of 85 (from cache 0); skipped 2: ligand-inside-protein 2"
};

// Every complex under `root` (or of the split), in order: on_loaded for each good one, on_skipped for
// each bad one, reporter.warn for warnings, reporter.info for cache rebuilds. Throws DataError only when
// the root or the split file cannot be read at all.
LoadSummary load_dataset(const std::string& root, const DatasetOptions& options, const Reporter& reporter,
                         const std::function<void(const Complex&)>& on_loaded,
                         const std::function<void(const SkippedComplex&)>& on_skipped = {});

// How two loads of one complex differ (e.g. its PDB + SDF and its PDBQT form). `kind` is one of
// receptor-size, receptor-backbone, receptor-types, receptor-edges, ligand-size, ligand-elements,
// ligand-positions, ligand-connectivity, ligand-bond-orders, ligand-features (detail names the feature
// columns), ligand-torsions. Empty when the graphs are the same (positions to `tolerance` Å).
struct GraphDifference {
  std::string kind;
  std::string detail;
};
std::vector<GraphDifference> compare_complexes(const Complex& a, const Complex& b, double tolerance = 1e-3);

// ---- the on-disk graph cache: CACHE_DIR/ID.dgraph ----
// A small header (magic, format version, a hash of the options and of the source files' names, sizes and
// modification times, payload size, CRC-32) and the serialised Complex; written atomically. A file whose
// version or hashes differ (stale) or whose size or CRC is wrong (corrupt) is rebuilt, never trusted.
constexpr uint32_t kCacheFormatVersion = 1;
std::string cache_path(const std::string& cache_dir, const std::string& id);
// nullopt-like: returns false and sets `why` ("stale: ...", "corrupt: ...", "missing") when unusable.
bool read_cached_complex(const std::string& path, const ComplexFiles& files, const DatasetOptions& options,
                         Complex& out, std::string& why);
void write_cached_complex(const std::string& path, const ComplexFiles& files, const DatasetOptions& options,
                          const Complex& complex);

// The protein's residues plus the ligand (HETATM, residue LIG, chain L, with CONECT records) as PDB text;
// write_complex_pdb writes it atomically.
std::string complex_pdb(const Protein& protein, const std::string& ligand_molblock, const std::vector<Vec3>& ligand_pos = {});
void write_complex_pdb(const std::string& path, const Protein& protein, const std::string& ligand_molblock,
                       const std::vector<Vec3>& ligand_pos = {});

}  // namespace disco::docking
