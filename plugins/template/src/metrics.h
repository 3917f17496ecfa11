// signal1d metrics. Everything compares a set of generated signals with a set of data signals of the same
// size; compare a model's number with the same number between two independent data draws (the finite-sample
// floor), since both are biased upward at finite N.
#pragma once
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace disco::signal1d {

// Mean power spectrum of signals [N, L]: P(f) = mean_n |rfft(x_n)(f)|^2 / L for f = 0..L/2 (cycles per
// signal), [L/2 + 1] double.
at::Tensor mean_power_spectrum(const at::Tensor& x);

// Relative L1 distance between two mean power spectra: sum_f |P(f) - Q(f)| / sum_f Q(f); 0 = identical,
// 2 = disjoint. `reference` is Q.
double spectrum_error(const at::Tensor& p, const at::Tensor& reference);

// Per-signal summary statistics, [N, 4] double, columns in kSummaryNames order:
//   rms; dominant frequency (argmax of the power spectrum over f >= 1); spectral centroid sum f P(f) / sum P(f)
//   over f >= 1; zero-crossing rate of the mean-removed signal (sign changes per sample).
at::Tensor summary_statistics(const at::Tensor& x);
extern const std::vector<std::string> kSummaryNames;

// Both W2 below compare statistics standardised by the reference set's mean and standard deviation, so each
// statistic counts in units of its own spread in the data.
//
// Frechet distance: W2 between the Gaussians fitted to the two sets of statistics (mean + covariance),
//   ||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2), square-rooted. Exact for Gaussians only:
//   it sees the first two moments of the joint distribution, nothing more (like FID).
double gaussian_w2(const at::Tensor& stats, const at::Tensor& reference_stats);
// Exact 1-D W2 of each statistic's marginal (sorted matching; needs equal N), [4]: exact, but marginal only.
std::vector<double> marginal_w2(const at::Tensor& stats, const at::Tensor& reference_stats);

// Share of signals whose dominant frequency equals the most common dominant frequency among the signals
// with the same code (codes [N] int64). 1 = every code stands for one frequency.
double code_purity(const at::Tensor& dominant_frequency, const at::Tensor& codes);

}  // namespace disco::signal1d
