#include "equivariant/clebsch_gordan.h"

#include <array>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>

#include "equivariant/spherical_harmonics.h"

namespace disco::equivariant {
namespace {

at::Tensor compute(int l1, int l2, int l3) {
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  const int64_t n = (2 * l1 + 1) * (2 * l2 + 1) * (2 * l3 + 1);
  // Generic rotations (fixed, so the result does not depend on any random state).
  const std::array<std::array<double, 3>, 3> axis_angles{{{0.3, -1.1, 0.7}, {-0.9, 0.4, 1.3}, {1.7, 0.2, -0.5}}};
  std::vector<at::Tensor> rows;
  for (const auto& aa : axis_angles) {
    const at::Tensor R = axis_angle_to_matrix(at::tensor({aa[0], aa[1], aa[2]}, f64));
    const at::Tensor k = at::kron(at::kron(wigner_d(l1, R), wigner_d(l2, R)), wigner_d(l3, R));
    rows.push_back(k - at::eye(n, f64));
  }
  const at::Tensor M = at::cat(rows, 0);
  const auto [U, S, Vh] = at::linalg_svd(M, false);
  // Singular values come sorted descending: the null vector is the last right singular vector.
  const double smallest = S[n - 1].item<double>();
  const double next = n >= 2 ? S[n - 2].item<double>() : 1.0;
  if (smallest > 1e-8 || next < 1e-4)
    throw std::runtime_error("clebsch_gordan(" + std::to_string(l1) + "," + std::to_string(l2) + "," +
                             std::to_string(l3) + "): no unique coupling (singular values " +
                             std::to_string(smallest) + ", " + std::to_string(next) + ")");
  at::Tensor c = Vh[n - 1].clone();
  c = c * std::sqrt(static_cast<double>(2 * l3 + 1)) / c.norm();
  auto acc = c.accessor<double, 1>();
  for (int64_t i = 0; i < n; ++i) {
    if (std::abs(acc[i]) > 1e-6) {
      if (acc[i] < 0) c = -c;
      break;
    }
  }
  c = c.view({2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1});
  // Clean numerical dust so exact zeros stay zeros.
  return at::where(c.abs() < 1e-12, at::zeros_like(c), c);
}

}  // namespace

at::Tensor clebsch_gordan(int l1, int l2, int l3) {
  if (l1 < 0 || l2 < 0 || l3 < 0 || l1 > 2 || l2 > 2 || l3 > 2)
    throw std::invalid_argument("clebsch_gordan: degrees must be in 0..2");
  if (l3 < std::abs(l1 - l2) || l3 > l1 + l2)
    throw std::invalid_argument("clebsch_gordan: (" + std::to_string(l1) + "," + std::to_string(l2) + "," +
                                std::to_string(l3) + ") violates the triangle rule");
  static std::mutex mutex;
  static std::map<std::tuple<int, int, int>, at::Tensor> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto key = std::make_tuple(l1, l2, l3);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, compute(l1, l2, l3)).first;
  return it->second;
}

}  // namespace disco::equivariant
