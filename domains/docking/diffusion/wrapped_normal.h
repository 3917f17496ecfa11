#pragma once
// The wrapped normal on the circle (torsion angles), p(x; sigma) = sum_k N(x + 2 pi k; 0, sigma^2), and its
// score d/dx log p, summed over k = -10..10 (more than enough for sigma <= pi).
#include <ATen/ATen.h>

namespace disco::equivariant {

// Elementwise; x and sigma broadcast.
at::Tensor wrapped_normal_log_density(const at::Tensor& x, const at::Tensor& sigma);
at::Tensor wrapped_normal_score(const at::Tensor& x, const at::Tensor& sigma);
// sigma * z wrapped to (-pi, pi].
at::Tensor wrapped_normal_sample(const at::Tensor& sigma, c10::optional<at::Generator> generator = c10::nullopt);
// E |score|^2 (by quadrature on 2000 points), for normalising the torsion loss: elementwise over sigma.
at::Tensor wrapped_normal_score_norm(const at::Tensor& sigma);
// Wraps angles to (-pi, pi].
at::Tensor wrap_angle(const at::Tensor& x);

}  // namespace disco::equivariant
