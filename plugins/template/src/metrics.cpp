#include "metrics.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "disco/error.h"

namespace disco::signal1d {

const std::vector<std::string> kSummaryNames = {"rms", "dominant_frequency", "spectral_centroid", "zero_crossing_rate"};

namespace {
at::Tensor power(const at::Tensor& x) {  // [N, L/2 + 1]
  auto xd = x.to(at::kCPU).to(at::kDouble);
  return at::fft_rfft(xd, c10::nullopt, 1).abs().pow(2) / double(xd.size(1));
}

// (stats - mean_ref) / std_ref, per column.
std::pair<at::Tensor, at::Tensor> standardise(const at::Tensor& a, const at::Tensor& ref) {
  auto mu = ref.mean(0, true);
  auto sd = ref.std(0, /*unbiased=*/true, /*keepdim=*/true).clamp_min(1e-12);
  return {(a - mu) / sd, (ref - mu) / sd};
}

at::Tensor sqrtm_psd(const at::Tensor& s) {  // symmetric PSD square root via eigh
  auto [evals, evecs] = at::linalg_eigh(s);
  return at::matmul(evecs * evals.clamp_min(0).sqrt().unsqueeze(0), evecs.transpose(0, 1));
}
}  // namespace

at::Tensor mean_power_spectrum(const at::Tensor& x) { return power(x).mean(0); }

double spectrum_error(const at::Tensor& p, const at::Tensor& reference) {
  return ((p - reference).abs().sum() / reference.sum().clamp_min(1e-300)).item<double>();
}

at::Tensor summary_statistics(const at::Tensor& x) {
  auto xd = x.to(at::kCPU).to(at::kDouble);
  const int64_t length = xd.size(1);
  auto rms = xd.pow(2).mean(1).sqrt();
  auto p = power(xd).narrow(1, 1, length / 2);  // f = 1..L/2 (DC excluded)
  auto f = at::arange(1, length / 2 + 1, at::kDouble);
  auto dominant = (p.argmax(1) + 1).to(at::kDouble);
  auto centroid = (p * f).sum(1) / p.sum(1).clamp_min(1e-300);
  auto centred = xd - xd.mean(1, true);
  auto sign = centred >= 0;
  auto crossings = sign.narrow(1, 1, length - 1).ne(sign.narrow(1, 0, length - 1)).to(at::kDouble).mean(1);
  return at::stack({rms, dominant, centroid, crossings}, 1);
}

double gaussian_w2(const at::Tensor& stats, const at::Tensor& reference_stats) {
  auto [a, b] = standardise(stats, reference_stats);
  auto mu_a = a.mean(0), mu_b = b.mean(0);
  auto cov = [](const at::Tensor& s) {
    auto c = s - s.mean(0, true);
    return at::matmul(c.transpose(0, 1), c) / double(std::max<int64_t>(s.size(0) - 1, 1));
  };
  auto sa = cov(a), sb = cov(b);
  auto ra = sqrtm_psd(sa);
  auto cross = sqrtm_psd(at::matmul(at::matmul(ra, sb), ra));
  const double d2 = ((mu_a - mu_b).pow(2).sum() + at::trace(sa) + at::trace(sb) - 2 * at::trace(cross)).item<double>();
  return std::sqrt(std::max(d2, 0.0));
}

std::vector<double> marginal_w2(const at::Tensor& stats, const at::Tensor& reference_stats) {
  if (stats.size(0) != reference_stats.size(0))
    throw RuntimeError("marginal_w2 needs equal set sizes (" + std::to_string(stats.size(0)) + " vs " +
                       std::to_string(reference_stats.size(0)) + ")");
  auto [a, b] = standardise(stats, reference_stats);
  auto d = std::get<0>(a.sort(0)) - std::get<0>(b.sort(0));
  auto w2 = d.pow(2).mean(0).sqrt().contiguous();
  return std::vector<double>(w2.data_ptr<double>(), w2.data_ptr<double>() + w2.numel());
}

double code_purity(const at::Tensor& dominant_frequency, const at::Tensor& codes) {
  auto f = dominant_frequency.to(at::kCPU).to(at::kLong).contiguous();
  auto c = codes.to(at::kCPU).to(at::kLong).contiguous();
  std::map<int64_t, std::map<int64_t, int64_t>> counts;
  for (int64_t i = 0; i < f.numel(); ++i) counts[c.data_ptr<int64_t>()[i]][f.data_ptr<int64_t>()[i]]++;
  int64_t majority = 0;
  for (const auto& [code, per_freq] : counts) {
    int64_t best = 0;
    for (const auto& [freq, n] : per_freq) best = std::max(best, n);
    majority += best;
  }
  return f.numel() ? double(majority) / double(f.numel()) : 0.0;
}

}  // namespace disco::signal1d
