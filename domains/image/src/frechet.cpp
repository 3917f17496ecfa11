#include "frechet.h"

#include <ATen/ATen.h>

#include "disco/error.h"

namespace disco::image {

GaussianFit fit_gaussian(const at::Tensor& features) {
  if (features.dim() != 2 || features.size(0) < 2) throw RuntimeError("Frechet distance needs at least 2 feature vectors");
  auto f = features.to(at::kCPU).to(at::kDouble);
  auto mean = f.mean(0);
  auto centred = f - mean;
  return {mean, at::matmul(centred.t(), centred) / double(f.size(0) - 1)};
}

namespace {
at::Tensor sqrt_psd(const at::Tensor& s) {  // symmetric PSD square root
  auto [values, vectors] = at::linalg_eigh((s + s.t()) * 0.5);
  return at::matmul(vectors * values.clamp_min(0).sqrt().unsqueeze(0), vectors.t());
}
}  // namespace

double frechet_distance(const GaussianFit& a, const GaussianFit& b) {
  auto root_a = sqrt_psd(a.covariance);
  auto inner = at::matmul(at::matmul(root_a, b.covariance), root_a);
  auto eig = at::linalg_eigvalsh((inner + inner.t()) * 0.5).clamp_min(0).sqrt().sum();
  auto diff = a.mean - b.mean;
  return (diff.dot(diff) + a.covariance.trace() + b.covariance.trace() - 2.0 * eig).item<double>();
}

}  // namespace disco::image
