// A uniform grid of cells over a point set, for "every point within r of x" queries in O(points nearby): bond
// perception over a whole receptor and the receptor side of the grid maps both need it.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "geometry.h"

namespace disco::docking {

class CellList {
 public:
  // `cell` (Å) should be about the largest query radius.
  CellList(const std::vector<Vec3>& points, double cell);

  // Calls fn(index, squared distance) for every point within `radius` of `x` (radius <= a few cells).
  template <typename Fn>
  void for_each_within(const Vec3& x, double radius, Fn&& fn) const {
    if (points_.empty()) return;
    const double r2 = radius * radius;
    const int reach = int(std::ceil(radius / cell_));
    const int cx = coord(x.x, lo_.x, nx_), cy = coord(x.y, lo_.y, ny_), cz = coord(x.z, lo_.z, nz_);
    for (int i = std::max(0, cx - reach); i <= std::min(nx_ - 1, cx + reach); ++i)
      for (int j = std::max(0, cy - reach); j <= std::min(ny_ - 1, cy + reach); ++j)
        for (int k = std::max(0, cz - reach); k <= std::min(nz_ - 1, cz + reach); ++k) {
          const int64_t c = (int64_t(i) * ny_ + j) * nz_ + k;
          for (int64_t s = start_[size_t(c)]; s < start_[size_t(c) + 1]; ++s) {
            const int64_t p = order_[size_t(s)];
            const double d2 = distance2(points_[size_t(p)], x);
            if (d2 <= r2) fn(p, d2);
          }
        }
  }

 private:
  // The cell index along one axis; points outside the box (queries) clamp to the border cells, which is
  // exact: the distance test does the rest.
  int coord(double v, double lo, int n) const;
  std::vector<Vec3> points_;
  double cell_;
  Vec3 lo_;
  int nx_ = 0, ny_ = 0, nz_ = 0;
  std::vector<int64_t> start_;  // per cell, into order_ (size cells + 1)
  std::vector<int64_t> order_;  // point indices sorted by cell
};

}  // namespace disco::docking
