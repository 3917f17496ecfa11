// Pose checks in the spirit of PoseBusters (Buttenschoen, Morris & Deane, Chem. Sci. 15, 3130 (2024); the
// `posebusters` package, config `dock.yml`/`redock.yml`): is a docked pose physically plausible, and is it
// still the molecule that went in?
//
// A PoseChecker is built once per complex from the input molecule (RDKit, heavy atoms), its input
// coordinates and the protein; it precomputes everything that does not depend on the pose (bonds and
// angles with their reference lengths, the non-covalent atom pairs with their distance-geometry lower
// bounds, rings, stereo centres, a cell list of protein atoms), so that checking a pose is a few thousand
// distance evaluations.
//
// The checks, their names (used in SDF fields and CSV columns) and where each threshold comes from:
//
// | name                   | passes when                                                 | PoseBusters           |
// |------------------------|-------------------------------------------------------------|-----------------------|
// | bond_lengths           | every bond within +-25 % of its length in the input         | "Bond lengths"        |
// | bond_angles            | every 1-3 distance within +-25 % of the input's             | "Bond angles"         |
// | internal_clash         | pairs >= 3 bonds apart no closer than 0.7 x DG lower bound  | "Internal steric clash" |
// | aromatic_ring_flatness | 5-/6-rings of aromatic sp2 atoms within 0.25 A of a plane   | "Aromatic ring flatness" |
// | double_bond_flatness   | C=C (both sp2, 3-connected) + neighbours within 0.25 A      | "Double bond flatness" |
// | tetrahedral_chirality  | every specified centre keeps the input's handedness         | "Tetrahedral chirality" |
// | double_bond_stereo     | every specified E/Z double bond keeps the input's cis/trans | "Double bond stereochemistry" |
// | protein_clash          | every ligand-protein pair >= 0.75 x sum of vdW radii        | "Minimum distance to protein" |
// | protein_contact        | some ligand atom within 5 A of a protein atom               | "Protein-ligand maximum distance" |
//
// Where we differ from PoseBusters, and why:
// - Bond lengths and angles are compared with the input molecule's own geometry, not with RDKit's
//   distance-geometry (DG) bounds of the topology: a docking pose is the input conformer moved rigidly and
//   turned about its rotatable bonds, so the question is whether the pose kept that geometry. The tolerance
//   is PoseBusters' (threshold_bad_bond_length = threshold_bad_angle = 0.25, relative), and angles are
//   measured, as there, by the 1-3 distance.
// - The internal clash uses RDKit's DG lower bounds as PoseBusters does (set15bounds, scaleVDW, triangle
//   smoothing; threshold_clash = 0.3, i.e. a pair may come to 70 % of its lower bound). For most atom pairs
//   4 or more bonds apart the lower bound is a (scaled) sum of van der Waals radii; for 1-5 pairs across a
//   rigid path it comes from that path's geometry, with amides forced trans (RDKit's default, which
//   PoseBusters inherits): a cis secondary amide can fail this check (Astex 1JD0_AZM's crystal pose does).
// - Stereochemistry is compared geometrically with the input (signed volumes at each centre RDKit marks as
//   a stereocentre, cis/trans of each double bond it marks E/Z), not through InChI.
// - The protein is its amino-acid residues (heavy atoms), as read by read_pdb; cofactors, ions and
//   waters are not checked (PoseBusters checks them separately, with covalent radii for ions).
// - Not implemented: the energy ratio (needs an ensemble of 50 force-field conformers per molecule), the
//   volume overlap, and the non-aromatic-ring non-flatness check.
//
// Radii are RDKit's van der Waals radii (PeriodicTable::getRvdw), as PoseBusters uses. Atom numbers in the
// details are 1-based, as in an SDF file.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "geometry.h"
#include "protein.h"

namespace RDKit {
class ROMol;
}

namespace disco::docking {

struct PoseCheckThresholds {
  double bond_length_tolerance = 0.25;   // relative; PoseBusters threshold_bad_bond_length (dock/redock)
  double bond_angle_tolerance = 0.25;    // relative, on the 1-3 distance; PoseBusters threshold_bad_angle
  double internal_clash_fraction = 0.7;  // of the DG lower bound; PoseBusters 1 - threshold_clash (0.3)
  double aromatic_flatness = 0.25;       // A to the best-fit plane; PoseBusters threshold_flatness
  double double_bond_flatness = 0.25;    // A to the best-fit plane; PoseBusters threshold_flatness
  double protein_clash_fraction = 0.75;  // of the vdW radius sum; PoseBusters clash_cutoff
  double protein_max_distance = 5.0;     // A; PoseBusters max_distance ("not too far away")
  // Ours, not PoseBusters': a stereo centre whose neighbours are nearly coplanar in the input (signed
  // volume below this, A^3; an ideal sp3 carbon has about 2.6) has no reliable handedness and is skipped.
  double min_chiral_volume = 0.5;
};

// One check's outcome. `value` is the measured figure compared with `threshold` (NaN when there was
// nothing to measure: no aromatic ring, no stereo centre, ...; the check then passes).
struct PoseCheck {
  std::string name;    // one of PoseChecker::check_names()
  bool passed = true;
  double value = 0;
  double threshold = 0;
  std::string detail;  // one line: what was worst, or why nothing was checked
};

struct PoseCheckReport {
  std::vector<PoseCheck> checks;  // in the order of PoseChecker::check_names()
  bool all_passed = true;
  const PoseCheck& at(const std::string& name) const;  // throws std::out_of_range for an unknown name
  std::vector<std::string> failed() const;             // the names of the checks that failed
};

class PoseChecker {
 public:
  // `mol`: the input molecule (heavy atoms, sanitised, stereo assigned as read_ligand does); `reference`:
  // its input coordinates, one per atom; `protein`: the receptor. Throws DataError when the sizes disagree.
  PoseChecker(const RDKit::ROMol& mol, std::vector<Vec3> reference, const Protein& protein,
              const PoseCheckThresholds& thresholds = {});
  // Without a protein: protein_clash and protein_contact are reported as not checked (passed, NaN).
  PoseChecker(const RDKit::ROMol& mol, std::vector<Vec3> reference, const PoseCheckThresholds& thresholds = {});
  ~PoseChecker();
  PoseChecker(PoseChecker&&) noexcept;
  PoseChecker& operator=(PoseChecker&&) noexcept;

  // Checks one pose (heavy atoms in the molecule's order). Throws DataError for a wrong atom count.
  PoseCheckReport check(const std::vector<Vec3>& pose) const;

  // The check names, in report order.
  static const std::vector<std::string>& check_names();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// SDF data fields of a report: `disco_check_<name>` = "pass" / "fail" for every check, `disco_valid` =
// "1" when all passed else "0", and `disco_checks_failed` = the failed names, comma-separated ("" when none).
std::map<std::string, std::string> pose_check_sdf_properties(const PoseCheckReport& report);

// CSV columns: `valid`, then `check_<name>` for every check (1 / 0); with `with_values`, also
// `<name>_value` (the measured figure, empty when NaN) after each.
std::vector<std::string> pose_check_csv_columns(bool with_values = false);
std::vector<std::string> pose_check_csv_values(const PoseCheckReport& report, bool with_values = false);
// The same cells (without values) from a report's SDF fields (pose_check_sdf_properties), e.g. of a written pose.
std::vector<std::string> pose_check_csv_values(const std::map<std::string, std::string>& sdf_properties);

}  // namespace disco::docking
