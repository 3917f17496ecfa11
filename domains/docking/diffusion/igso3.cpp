#include "diffusion/igso3.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace disco::equivariant {

double Igso3Table::series(double omega, double sigma, double* derivative) {
  // sin((l + 1/2) w) and cos((l + 1/2) w) by the angle-addition recurrence.
  const double half_s = std::sin(omega / 2.0), half_c = std::cos(omega / 2.0);
  const double cw = std::cos(omega), sw = std::sin(omega);
  double s = half_s, c = half_c, f = 0.0, df = 0.0;
  for (int l = 0;; ++l) {
    const double decay = l * (l + 1.0) * sigma * sigma / 2.0;
    const double a = (2.0 * l + 1.0) * std::exp(-decay);
    f += a * s;
    df += a * ((l + 0.5) * c * half_s - 0.5 * s * half_c);
    if (decay > 45.0 && a < 1e-17) break;
    if (l > 100000) break;
    const double s_next = s * cw + c * sw;
    c = c * cw - s * sw;
    s = s_next;
  }
  if (derivative) *derivative = df / (half_s * half_s);
  return f / half_s;
}

double Igso3Table::angle_density(double omega, double sigma) {
  return series(omega, sigma) * (1.0 - std::cos(omega)) / M_PI;
}

namespace {
// Sum of the absolute coefficients, (2l+1) exp(-l(l+1) sigma^2/2): divided by sin(omega/2) it bounds the
// size of the series' terms, hence its rounding error.
double coefficient_sum(double sigma) {
  double total = 0.0;
  for (int l = 0;; ++l) {
    const double decay = l * (l + 1.0) * sigma * sigma / 2.0;
    const double a = (2.0 * l + 1.0) * std::exp(-decay);
    total += a;
    if (decay > 45.0 && a < 1e-17) break;
  }
  return total;
}
}  // namespace

Igso3Table::Igso3Table(double sigma_min, double sigma_max, int64_t sigma_count, int64_t omega_count)
    : sigma_min_(sigma_min), sigma_max_(sigma_max), sigma_count_(sigma_count), omega_count_(omega_count) {
  if (!(sigma_min > 0 && sigma_max > sigma_min) || sigma_count < 2 || omega_count < 16)
    throw std::invalid_argument("Igso3Table: bad table parameters");
  const int64_t W = omega_count_ + 1;
  omega_.resize(W);
  for (int64_t j = 0; j < W; ++j) omega_[j] = M_PI * static_cast<double>(j) / static_cast<double>(omega_count_);
  score_.assign(sigma_count_ * W, 0.0);
  cdf_.assign(sigma_count_ * W, 0.0);
  score_norm_.assign(sigma_count_, 0.0);
  std::vector<double> density(W);
  for (int64_t i = 0; i < sigma_count_; ++i) {
    const double sigma =
        std::exp(std::log(sigma_min_) + (std::log(sigma_max_) - std::log(sigma_min_)) * i / (sigma_count_ - 1.0));
    density[0] = 0.0;
    const double scale = coefficient_sum(sigma);
    for (int64_t j = 1; j < W; ++j) {
      const double w = omega_[j];
      double df = 0.0;
      const double f = series(w, sigma, &df);
      double score;
      if (f > 1e-9 * scale / std::sin(w / 2.0)) {
        score = df / f;
        density[j] = f * (1.0 - std::cos(w)) / M_PI;
      } else {  // underflowed tail: heat-kernel asymptotics, negligible mass
        score = -w / (sigma * sigma) + 1.0 / w - 0.5 * std::cos(w / 2.0) / std::sin(w / 2.0);
        density[j] = 0.0;
      }
      score_[i * W + j] = score;
    }
    double total = 0.0, norm = 0.0;
    for (int64_t j = 1; j < W; ++j) {
      const double dw = omega_[j] - omega_[j - 1];
      total += 0.5 * (density[j] + density[j - 1]) * dw;
      cdf_[i * W + j] = total;
      norm += 0.5 * (density[j] * score_[i * W + j] * score_[i * W + j] +
                     density[j - 1] * score_[i * W + j - 1] * score_[i * W + j - 1]) * dw;
    }
    for (int64_t j = 1; j < W; ++j) cdf_[i * W + j] /= total;
    score_norm_[i] = norm / total;
  }
}

double Igso3Table::row(double sigma) const {
  const double r = (std::log(sigma) - std::log(sigma_min_)) / (std::log(sigma_max_) - std::log(sigma_min_)) *
                   (sigma_count_ - 1.0);
  return std::clamp(r, 0.0, sigma_count_ - 1.0);
}

double Igso3Table::score_at(double omega, double sigma) const {
  const double r = row(sigma);
  const int64_t i0 = std::min<int64_t>(static_cast<int64_t>(r), sigma_count_ - 2);
  const double wr = r - i0;
  const double x = std::clamp(omega, 0.0, M_PI) / M_PI * omega_count_;
  const int64_t j0 = std::min<int64_t>(static_cast<int64_t>(x), omega_count_ - 1);
  const double wx = x - j0;
  const int64_t W = omega_count_ + 1;
  auto at = [&](int64_t i, int64_t j) { return score_[i * W + j]; };
  const double a = (1 - wx) * at(i0, j0) + wx * at(i0, j0 + 1);
  const double b = (1 - wx) * at(i0 + 1, j0) + wx * at(i0 + 1, j0 + 1);
  return (1 - wr) * a + wr * b;
}

at::Tensor Igso3Table::sample(const at::Tensor& sigma, c10::optional<at::Generator> generator) const {
  const auto f64 = at::TensorOptions().dtype(at::kDouble);
  const at::Tensor s = sigma.to(at::kDouble).contiguous().cpu();
  const int64_t n = s.size(0);
  const at::Tensor u = at::rand({n}, generator, f64);
  at::Tensor axis = at::randn({n, 3}, generator, f64);
  axis = axis / axis.norm(2, 1, true).clamp_min(1e-12);
  at::Tensor angle = at::empty({n}, f64);
  auto sa = s.accessor<double, 1>();
  auto ua = u.accessor<double, 1>();
  auto aa = angle.accessor<double, 1>();
  const int64_t W = omega_count_ + 1;
  auto invert = [&](int64_t i, double p) {
    const double* c = cdf_.data() + i * W;
    const int64_t j = std::upper_bound(c, c + W, p) - c;  // c[j-1] <= p < c[j]
    if (j <= 0) return 0.0;
    if (j >= W) return M_PI;
    const double span = c[j] - c[j - 1];
    const double t = span > 0 ? (p - c[j - 1]) / span : 0.0;
    return omega_[j - 1] + t * (omega_[j] - omega_[j - 1]);
  };
  for (int64_t k = 0; k < n; ++k) {
    const double r = row(sa[k]);
    const int64_t i0 = std::min<int64_t>(static_cast<int64_t>(r), sigma_count_ - 2);
    const double w = r - i0;
    aa[k] = (1 - w) * invert(i0, ua[k]) + w * invert(i0 + 1, ua[k]);
  }
  return (axis * angle.unsqueeze(1)).to(sigma.options());
}

at::Tensor Igso3Table::score(const at::Tensor& rotation_vectors, const at::Tensor& sigma) const {
  const at::Tensor v = rotation_vectors.to(at::kDouble).contiguous().cpu();
  const at::Tensor s = sigma.to(at::kDouble).contiguous().cpu();
  const int64_t n = v.size(0);
  at::Tensor out = at::empty({n, 3}, v.options());
  auto va = v.accessor<double, 2>();
  auto sa = s.accessor<double, 1>();
  auto oa = out.accessor<double, 2>();
  for (int64_t k = 0; k < n; ++k) {
    const double w = std::sqrt(va[k][0] * va[k][0] + va[k][1] * va[k][1] + va[k][2] * va[k][2]);
    const double per_angle = w > 1e-12 ? score_at(w, sa[k]) / w : -1.0 / (sa[k] * sa[k]);
    for (int d = 0; d < 3; ++d) oa[k][d] = per_angle * va[k][d];
  }
  return out.to(rotation_vectors.options());
}

at::Tensor Igso3Table::score_norm(const at::Tensor& sigma) const {
  const at::Tensor s = sigma.to(at::kDouble).contiguous().cpu();
  at::Tensor out = at::empty_like(s);
  auto sa = s.accessor<double, 1>();
  auto oa = out.accessor<double, 1>();
  for (int64_t k = 0; k < s.size(0); ++k) {
    const double r = row(sa[k]);
    const int64_t i0 = std::min<int64_t>(static_cast<int64_t>(r), sigma_count_ - 2);
    const double w = r - i0;
    oa[k] = (1 - w) * score_norm_[i0] + w * score_norm_[i0 + 1];
  }
  return out.to(sigma.options());
}

const Igso3Table& igso3_table() {
  static const Igso3Table table;  // thread-safe initialisation
  return table;
}

}  // namespace disco::equivariant
