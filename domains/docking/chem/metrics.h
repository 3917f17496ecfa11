// The quantities a docking paper reports. RMSD here is in place: the pose is compared in the receptor's
// frame, with no re-alignment (aligning would hide a wrong placement). It is symmetry-corrected: the
// minimum over the atom correspondences of the molecular graph (automorphism.h), so swapping the two
// oxygens of a carboxylate or the rings of a symmetric biphenyl does not change it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "geometry.h"

namespace disco::docking {

// min over mappings m of sqrt(mean_i |pose[i] - reference[m[i]]|^2); with no mappings, the plain in-order
// RMSD. Sizes must match.
double symmetric_rmsd(const std::vector<Vec3>& reference, const std::vector<Vec3>& pose,
                      const std::vector<std::vector<int32_t>>& mappings);
// |centroid(pose) - centroid(reference)|.
double centroid_distance(const std::vector<Vec3>& reference, const std::vector<Vec3>& pose);

// Success rates over complexes, each with its poses' RMSDs in rank order (best-ranked first).
struct PoseSetSummary {
  int64_t complexes = 0;
  double top1_below_2 = 0, top1_below_5 = 0;  // fractions of complexes
  double top5_below_2 = 0, top5_below_5 = 0;  // the best of the first five (fewer when fewer poses)
  double median_top1 = 0, median_top5 = 0;    // Å
  double median_centroid_top1 = 0;            // Å; 0 when no centroid distances were given
};
PoseSetSummary summarize_poses(const std::vector<std::vector<double>>& rmsd_by_rank,
                               const std::vector<std::vector<double>>& centroid_by_rank = {});

// ROC AUC of scores for binary labels: the probability that a random positive scores above a random negative
// (ties count one half). NaN when either class is missing.
double roc_auc(const std::vector<double>& score, const std::vector<bool>& positive);

double median(std::vector<double> values);  // 0 for none
// value at fraction q in [0, 1] of the sorted values (linear interpolation)
double quantile(std::vector<double> values, double q);

}  // namespace disco::docking
