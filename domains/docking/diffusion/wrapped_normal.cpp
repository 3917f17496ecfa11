#include "diffusion/wrapped_normal.h"

#include <cmath>

namespace disco::equivariant {

namespace {
// (..., 21): x + 2 pi k for k = -10..10.
at::Tensor images(const at::Tensor& x) {
  const at::Tensor k = at::arange(-10, 11, x.options()) * (2.0 * M_PI);
  return x.unsqueeze(-1) + k;
}
}  // namespace

at::Tensor wrapped_normal_log_density(const at::Tensor& x, const at::Tensor& sigma) {
  const at::Tensor s = sigma.unsqueeze(-1);
  const at::Tensor y = images(x);
  return at::logsumexp(-0.5 * (y / s).pow(2), -1) - at::log(sigma) - 0.5 * std::log(2.0 * M_PI);
}

at::Tensor wrapped_normal_score(const at::Tensor& x, const at::Tensor& sigma) {
  const at::Tensor s = sigma.unsqueeze(-1);
  const at::Tensor y = images(x);
  const at::Tensor w = at::softmax(-0.5 * (y / s).pow(2), -1);  // posterior weight of each image
  return -(w * y).sum(-1) / (sigma * sigma);
}

at::Tensor wrap_angle(const at::Tensor& x) { return M_PI - at::remainder(M_PI - x, 2.0 * M_PI); }

at::Tensor wrapped_normal_sample(const at::Tensor& sigma, c10::optional<at::Generator> generator) {
  return wrap_angle(sigma * at::randn(sigma.sizes(), generator, sigma.options()));
}

at::Tensor wrapped_normal_score_norm(const at::Tensor& sigma) {
  const int64_t n = 2000;
  const at::Tensor x = at::linspace(-M_PI, M_PI, n + 1, sigma.options()).narrow(0, 0, n) + M_PI / n;  // midpoints
  const at::Tensor s = sigma.reshape({-1, 1});
  const at::Tensor p = at::exp(wrapped_normal_log_density(x.unsqueeze(0), s));
  const at::Tensor score = wrapped_normal_score(x.unsqueeze(0), s);
  const double dx = 2.0 * M_PI / n;
  return ((p * score * score).sum(1) * dx / ((p).sum(1) * dx)).reshape(sigma.sizes());
}

}  // namespace disco::equivariant
