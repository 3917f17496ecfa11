#include "metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <limits>
#include <stdexcept>

namespace disco::docking {

double symmetric_rmsd(const std::vector<Vec3>& reference, const std::vector<Vec3>& pose,
                      const std::vector<std::vector<int32_t>>& mappings) {
  if (reference.size() != pose.size() || pose.empty())
    throw std::invalid_argument("symmetric_rmsd: " + std::to_string(pose.size()) + " pose atoms for " +
                                std::to_string(reference.size()) + " reference atoms");
  if (mappings.empty()) return rmsd(reference, pose);
  double best = std::numeric_limits<double>::infinity();
  for (const auto& m : mappings) {
    double sum = 0;
    for (size_t i = 0; i < pose.size() && sum < best; ++i) sum += distance2(pose[i], reference[size_t(m[i])]);
    best = std::min(best, sum);
  }
  return std::sqrt(best / double(pose.size()));
}

double centroid_distance(const std::vector<Vec3>& reference, const std::vector<Vec3>& pose) {
  return distance(centroid(reference), centroid(pose));
}

double quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double x = q * double(values.size() - 1);
  const size_t lo = size_t(std::floor(x)), hi = std::min(values.size() - 1, lo + 1);
  return values[lo] + (x - double(lo)) * (values[hi] - values[lo]);
}

double median(std::vector<double> values) { return quantile(std::move(values), 0.5); }

PoseSetSummary summarize_poses(const std::vector<std::vector<double>>& rmsd_by_rank,
                               const std::vector<std::vector<double>>& centroid_by_rank) {
  PoseSetSummary s;
  std::vector<double> top1, top5, centroid1;
  for (size_t c = 0; c < rmsd_by_rank.size(); ++c) {
    const auto& r = rmsd_by_rank[c];
    if (r.empty()) continue;
    top1.push_back(r.front());
    top5.push_back(*std::min_element(r.begin(), r.begin() + long(std::min<size_t>(5, r.size()))));
    if (c < centroid_by_rank.size() && !centroid_by_rank[c].empty()) centroid1.push_back(centroid_by_rank[c].front());
  }
  s.complexes = int64_t(top1.size());
  if (top1.empty()) return s;
  auto frac = [](const std::vector<double>& v, double limit) {
    return double(std::count_if(v.begin(), v.end(), [&](double x) { return x < limit; })) / double(v.size());
  };
  s.top1_below_2 = frac(top1, 2);
  s.top1_below_5 = frac(top1, 5);
  s.top5_below_2 = frac(top5, 2);
  s.top5_below_5 = frac(top5, 5);
  s.median_top1 = median(top1);
  s.median_top5 = median(top5);
  s.median_centroid_top1 = median(centroid1);
  return s;
}

double roc_auc(const std::vector<double>& score, const std::vector<bool>& positive) {
  // Mann-Whitney: the positives' rank sum in the ascending order, tied scores sharing their mean rank.
  std::vector<size_t> order(score.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  double pos = 0, rank_sum = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j < order.size() && score[order[j]] == score[order[i]]) ++j;
    const double mean_rank = 0.5 * double(i + 1 + j);  // ranks i+1 .. j
    for (size_t k = i; k < j; ++k)
      if (positive[order[k]]) {
        pos += 1;
        rank_sum += mean_rank;
      }
    i = j;
  }
  const double neg = double(score.size()) - pos;
  if (pos == 0 || neg == 0) return std::nan("");
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

}  // namespace disco::docking
