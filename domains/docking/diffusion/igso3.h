#pragma once
// The isotropic Gaussian on SO(3), IGSO(3) (Nikolayev & Savyolova 1997; Leach et al. 2022), with DiffDock's
// parametrisation: the rotation angle omega has, relative to the Haar measure,
//   f(omega; sigma) = sum_{l>=0} (2l+1) exp(-l(l+1) sigma^2 / 2) sin((l+1/2) omega) / sin(omega/2)
// and the angle itself has the density p(omega) = f(omega) (1 - cos omega) / pi on [0, pi]; the axis is
// uniform. Its score at a rotation given as axis-angle vector omega * a is (d/domega log f) * a.
//
// f, its omega-derivative, the angle CDF and E|score|^2 are tabulated on a grid of (log sigma, omega) by the
// series (truncated where the terms fall below 1e-17 of the first) when the table is built; where f has
// underflowed (far tails of small sigma) the score falls back to the small-sigma heat-kernel form
// -omega/sigma^2 + 1/omega - cot(omega/2)/2.
#include <ATen/ATen.h>

#include <vector>

namespace disco::equivariant {

class Igso3Table {
 public:
  Igso3Table(double sigma_min = 0.02, double sigma_max = 2.0, int64_t sigma_count = 300, int64_t omega_count = 1000);

  // The series itself (no table), for tests and small uses: f and df/domega at one point.
  static double series(double omega, double sigma, double* derivative = nullptr);
  // Density of the angle, p(omega) = f (1 - cos omega) / pi.
  static double angle_density(double omega, double sigma);

  // sigma: (n,) -> (n, 3) axis-angle vectors; angles by inverse CDF, axes uniform on the sphere.
  at::Tensor sample(const at::Tensor& sigma, c10::optional<at::Generator> generator = c10::nullopt) const;
  // rotation_vectors: (n, 3), sigma: (n,) -> (n, 3) score d log f / d omega times the axis.
  at::Tensor score(const at::Tensor& rotation_vectors, const at::Tensor& sigma) const;
  // E |score|^2 under IGSO(3)(sigma), for normalising the rotation loss: (n,) -> (n,).
  at::Tensor score_norm(const at::Tensor& sigma) const;

  double sigma_min() const { return sigma_min_; }
  double sigma_max() const { return sigma_max_; }

 private:
  // Fractional row index of sigma on the log grid, clamped to the table.
  double row(double sigma) const;
  double score_at(double omega, double sigma) const;

  double sigma_min_, sigma_max_;
  int64_t sigma_count_, omega_count_;
  std::vector<double> omega_;       // omega_count + 1 points on [0, pi]
  std::vector<double> score_;       // [row][j]: d log f / d omega
  std::vector<double> cdf_;         // [row][j]: P(angle <= omega_j)
  std::vector<double> score_norm_;  // [row]
};

// One table for DiffDock's rotation range, built on first use (about 0.1-0.5 s) and then kept.
const Igso3Table& igso3_table();

}  // namespace disco::equivariant
