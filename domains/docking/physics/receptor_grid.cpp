#include "receptor_grid.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "cell_list.h"
#include "vina_terms.h"

namespace disco::docking {

namespace {

// A pair energy tabulated in r^2 (linear interpolation between samples 1/64 Å^2 apart): the grid needs
// ~10^8 pair evaluations, and a table lookup is an order of magnitude cheaper than the exponentials.
class PairTable {
 public:
  static constexpr double kStep = 1.0 / 64;
  explicit PairTable(const VinaPairKind& kind) {
    const int n = int(kVinaCutoff * kVinaCutoff / kStep) + 2;
    v_.resize(size_t(n));
    for (int i = 0; i < n; ++i) v_[size_t(i)] = vina_pair_energy(std::sqrt(i * kStep), kind);
  }
  double operator()(double r2) const {
    const double x = r2 / kStep;
    const size_t i = size_t(x);
    if (i + 1 >= v_.size()) return 0;
    const double f = x - double(i);
    return v_[i] * (1 - f) + v_[i + 1] * f;
  }

 private:
  std::vector<double> v_;
};

}  // namespace

ReceptorGrid::ReceptorGrid(const std::vector<Vec3>& receptor_pos, const std::vector<XsType>& receptor_types,
                           const std::vector<XsType>& ligand_types, const SearchBox& box)
    : box_(box) {
  if (receptor_pos.size() != receptor_types.size()) throw std::invalid_argument("ReceptorGrid: positions and types differ in length");
  if (!(box.spacing > 0) || !(box.size.x > 0 && box.size.y > 0 && box.size.z > 0))
    throw std::invalid_argument("ReceptorGrid: the box size and spacing must be > 0");
  for (XsType t : ligand_types)
    if (std::find(channel_types_.begin(), channel_types_.end(), t) == channel_types_.end()) channel_types_.push_back(t);
  origin_ = box.centre - box.size * 0.5;
  nx_ = int64_t(std::ceil(box.size.x / box.spacing)) + 1;
  ny_ = int64_t(std::ceil(box.size.y / box.spacing)) + 1;
  nz_ = int64_t(std::ceil(box.size.z / box.spacing)) + 1;

  // The receptor atoms that can reach the box, and one table per (channel, receptor type) that occurs.
  std::vector<Vec3> pos;
  std::vector<int> kind;  // index into the tables of channel 0; + channel * kNumXsTypes
  const Vec3 hi = origin_ + Vec3(double(nx_ - 1), double(ny_ - 1), double(nz_ - 1)) * box.spacing;
  for (size_t i = 0; i < receptor_pos.size(); ++i) {
    const Vec3& p = receptor_pos[i];
    const double dx = std::max({origin_.x - p.x, 0.0, p.x - hi.x}), dy = std::max({origin_.y - p.y, 0.0, p.y - hi.y}),
                 dz = std::max({origin_.z - p.z, 0.0, p.z - hi.z});
    if (dx * dx + dy * dy + dz * dz >= kVinaCutoff * kVinaCutoff) continue;
    pos.push_back(p);
    kind.push_back(int(receptor_types[i]));
  }
  const size_t channels = channel_types_.size();
  std::vector<PairTable> tables;
  tables.reserve(channels * kNumXsTypes);
  for (size_t c = 0; c < channels; ++c)
    for (int u = 0; u < kNumXsTypes; ++u) tables.emplace_back(vina_pair_kind(channel_types_[c], XsType(u)));

  values_ = at::zeros({int64_t(channels) * nx_ * ny_ * nz_}, at::kDouble);
  double* v = values_.data_ptr<double>();
  const CellList cells(pos, kVinaCutoff);
  const int64_t plane = nx_ * ny_ * nz_;
  at::parallel_for(0, nx_, 1, [&](int64_t begin, int64_t end) {
    std::vector<double> sum(channels);
    for (int64_t ix = begin; ix < end; ++ix)
      for (int64_t iy = 0; iy < ny_; ++iy)
        for (int64_t iz = 0; iz < nz_; ++iz) {
          const Vec3 p = origin_ + Vec3(double(ix), double(iy), double(iz)) * box.spacing;
          std::fill(sum.begin(), sum.end(), 0.0);
          cells.for_each_within(p, kVinaCutoff, [&](int64_t j, double r2) {
            for (size_t c = 0; c < channels; ++c) sum[c] += tables[c * kNumXsTypes + size_t(kind[size_t(j)])](r2);
          });
          const int64_t at_point = (ix * ny_ + iy) * nz_ + iz;
          for (size_t c = 0; c < channels; ++c) v[int64_t(c) * plane + at_point] = sum[c];
        }
  });
}

at::Tensor ReceptorGrid::channels(const std::vector<XsType>& ligand_types) const {
  std::vector<int64_t> out;
  for (XsType t : ligand_types) {
    auto it = std::find(channel_types_.begin(), channel_types_.end(), t);
    if (it == channel_types_.end())
      throw std::invalid_argument(std::string("ReceptorGrid: no map for atom type ") + xs_type_name(t));
    out.push_back(int64_t(it - channel_types_.begin()));
  }
  return at::tensor(out, at::kLong);
}

at::Tensor ReceptorGrid::energy(const at::Tensor& pos, const at::Tensor& channels) const {
  const auto opts = pos.options();
  const at::Tensor origin = at::tensor({origin_.x, origin_.y, origin_.z}, opts);
  const at::Tensor top = at::tensor({double(nx_ - 1), double(ny_ - 1), double(nz_ - 1)}, opts) * (1 - 1e-9);
  const at::Tensor g = (pos - origin) / box_.spacing;                   // [B, N, 3] in grid units
  const at::Tensor inside = at::max(at::min(g, top), at::zeros_like(g));  // clamped into the grid
  // Å outside the box (L1, whose gradient is 0 inside, where an L2 norm's would be 0/0).
  const at::Tensor outside = (g - inside).abs().sum(-1) * box_.spacing;
  const at::Tensor corner = inside.detach().floor();
  const at::Tensor f = inside - corner;                                  // [B, N, 3], carries the gradient
  const at::Tensor i0 = corner.to(at::kLong);
  const at::Tensor values = values_.to(pos.device());
  const at::Tensor base = channels.to(pos.device()).view({1, -1}) * (nx_ * ny_ * nz_) +
                          (i0.select(-1, 0) * ny_ + i0.select(-1, 1)) * nz_ + i0.select(-1, 2);
  at::Tensor e = at::zeros(base.sizes(), opts);
  for (int dx = 0; dx < 2; ++dx)
    for (int dy = 0; dy < 2; ++dy)
      for (int dz = 0; dz < 2; ++dz) {
        const at::Tensor wx = dx ? f.select(-1, 0) : 1 - f.select(-1, 0);
        const at::Tensor wy = dy ? f.select(-1, 1) : 1 - f.select(-1, 1);
        const at::Tensor wz = dz ? f.select(-1, 2) : 1 - f.select(-1, 2);
        e = e + wx * wy * wz * at::take(values, base + (dx * ny_ + dy) * nz_ + dz);
      }
  return e + kOutsidePenalty * outside;
}

}  // namespace disco::docking
