// Frechet distance between Gaussians fitted to two feature sets (Heusel et al. 2017, Eq. 6; the formula of FID):
//   FD = |mu_1 - mu_2|^2 + tr(S_1 + S_2 - 2 (S_1^{1/2} S_2 S_1^{1/2})^{1/2})
// computed in double precision with symmetric eigendecompositions (negative eigenvalues from round-off are
// clamped to 0).
#pragma once
#include <ATen/core/Tensor.h>

namespace disco::image {

struct GaussianFit {
  at::Tensor mean;        // [d] double
  at::Tensor covariance;  // [d, d] double (unbiased)
};
GaussianFit fit_gaussian(const at::Tensor& features);  // features [N, d], N >= 2
double frechet_distance(const GaussianFit& a, const GaussianFit& b);

}  // namespace disco::image
