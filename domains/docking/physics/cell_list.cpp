#include "cell_list.h"

#include <algorithm>
#include <stdexcept>

namespace disco::docking {

CellList::CellList(const std::vector<Vec3>& points, double cell) : points_(points), cell_(cell) {
  if (!(cell > 0)) throw std::invalid_argument("CellList: the cell size must be > 0");
  if (points.empty()) return;
  Vec3 hi = points.front();
  lo_ = hi;
  for (const Vec3& p : points) {
    lo_ = {std::min(lo_.x, p.x), std::min(lo_.y, p.y), std::min(lo_.z, p.z)};
    hi = {std::max(hi.x, p.x), std::max(hi.y, p.y), std::max(hi.z, p.z)};
  }
  nx_ = int((hi.x - lo_.x) / cell) + 1;
  ny_ = int((hi.y - lo_.y) / cell) + 1;
  nz_ = int((hi.z - lo_.z) / cell) + 1;
  const int64_t cells = int64_t(nx_) * ny_ * nz_;
  std::vector<int64_t> cell_of(points.size());
  start_.assign(size_t(cells) + 1, 0);
  for (size_t p = 0; p < points.size(); ++p) {
    cell_of[p] = (int64_t(coord(points[p].x, lo_.x, nx_)) * ny_ + coord(points[p].y, lo_.y, ny_)) * nz_ +
                 coord(points[p].z, lo_.z, nz_);
    ++start_[size_t(cell_of[p]) + 1];
  }
  for (size_t c = 1; c < start_.size(); ++c) start_[c] += start_[c - 1];
  order_.resize(points.size());
  std::vector<int64_t> fill(start_.begin(), start_.end() - 1);
  for (size_t p = 0; p < points.size(); ++p) order_[size_t(fill[size_t(cell_of[p])]++)] = int64_t(p);
}

int CellList::coord(double v, double lo, int n) const {
  return std::clamp(int(std::floor((v - lo) / cell_)), 0, n - 1);
}

}  // namespace disco::docking
