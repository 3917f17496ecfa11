#include <ATen/ATen.h>

#include "disco/edm.h"
#include "disco/host/pfgmpp.h"

namespace disco {

at::Tensor PfgmppDiffusion::kernel_noise(const std::vector<int64_t>& shape, const at::Tensor& sigma,
                                         const c10::Device& device, c10::optional<at::Generator> gen) const {
  const int64_t n = shape[0];
  int64_t dim = 1;
  for (size_t i = 1; i < shape.size(); ++i) dim *= shape[i];
  auto opts = at::TensorOptions().dtype(at::kDouble).device(device);
  // b ~ Beta(N/2, D/2) as G1 / (G1 + G2) with Gamma draws; in double precision, since for large D the ratio
  // b / (1 - b) is tiny and float would lose it.
  auto g1 = at::_standard_gamma(at::full({n}, dim / 2.0, opts), gen);
  auto g2 = at::_standard_gamma(at::full({n}, d_ / 2.0, opts), gen);
  auto r = sigma.to(at::kDouble) * std::sqrt(d_);
  auto radius = r * (g1 / g2).sqrt();  // R = r sqrt(b / (1 - b)) = r sqrt(G1 / G2)
  auto u = at::randn(shape, gen, opts);
  auto flat = u.reshape({n, -1});
  u = (flat / flat.norm(2, 1, true).clamp_min(1e-30)).reshape(shape);
  return (expand_like(radius, u) * u).to(sigma.scalar_type());
}

Batch PfgmppDiffusion::perturb(const Batch& clean, const at::Tensor& sigma, c10::optional<at::Generator> gen) const {
  const auto& x = clean.at(state_key());
  return clean.with(state_key(), x + kernel_noise(x.sizes().vec(), sigma, x.device(), gen).to(x.scalar_type()));
}

at::Tensor PfgmppDiffusion::sample_prior(int64_t n, const std::vector<int64_t>& state_shape, double sigma_max,
                                         const c10::Device& device, c10::optional<at::Generator> gen) const {
  std::vector<int64_t> shape{n};
  shape.insert(shape.end(), state_shape.begin(), state_shape.end());
  auto sigma = at::full({n}, sigma_max, at::TensorOptions().device(device));
  return kernel_noise(shape, sigma, device, gen);
}

}  // namespace disco
