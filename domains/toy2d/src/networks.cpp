#include "networks.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>

namespace disco::toy2d {

Toy2dDenoiserImpl::Toy2dDenoiserImpl(int64_t m, int64_t k, int64_t hidden, double component_sigma, double sigma_data)
    : m_(m), component_sigma_(component_sigma), sigma_data_(sigma_data) {
  if (m > 0) {
    embedding_ = register_module("embedding", LatentEmbedding(m, k, 2));
  } else {
    baseline_center_ = register_parameter("baseline_center", at::zeros({2}));
  }
  // H: input (c_in x, c_noise), four linear layers (App. F.2: "four-layer MLP").
  h_ = register_module("h", torch::nn::Sequential(torch::nn::Linear(3, hidden), torch::nn::SiLU(),
                                                  torch::nn::Linear(hidden, hidden), torch::nn::SiLU(),
                                                  torch::nn::Linear(hidden, hidden), torch::nn::SiLU(),
                                                  torch::nn::Linear(hidden, 2)));
}

at::Tensor Toy2dDenoiserImpl::score(const at::Tensor& x, const at::Tensor& t, const Latents& z) {
  auto t2 = (t * t).unsqueeze(1);  // [B, 1]
  at::Tensor center;
  if (m_ > 0) {
    center = z.empty() ? embedding_->null(x.size(0)).sum(1) : embedding_->forward(z).sum(1);  // [B, 2]
  } else {
    center = baseline_center_.unsqueeze(0).expand({x.size(0), 2});
  }
  auto gaussian_score = (center - x) / (t2 + component_sigma_ * component_sigma_);
  // H sees the EDM-normalised input; its output is scaled by 1/sqrt(t^2 + sigma_d^2), the natural size of
  // a score at noise level t, so the MLP works with O(1) numbers at every t.
  auto norm = (t2 + sigma_data_ * sigma_data_).sqrt();
  auto features = at::cat({x / norm, t.log().unsqueeze(1) / 4}, 1);
  return gaussian_score + h_->forward(features) / norm;
}

at::Tensor Toy2dDenoiserImpl::denoise(const Batch& noisy, const at::Tensor& sigma, const Latents& z) {
  const auto& x = noisy.at("x");
  return x + (sigma * sigma).unsqueeze(1) * score(x, sigma, z);  // Tweedie: D = x + t^2 grad log p_t
}

Toy2dEncoderImpl::Toy2dEncoderImpl(int64_t m, int64_t k, int64_t hidden) : m_(m), k_(k) {
  net_ = register_module("net", torch::nn::Sequential(torch::nn::Linear(2, hidden), torch::nn::SiLU(),
                                                      torch::nn::Linear(hidden, hidden), torch::nn::SiLU(),
                                                      torch::nn::Linear(hidden, m * k)));
}

EncoderOutput Toy2dEncoderImpl::encode(const Batch& clean) {
  const auto& x = clean.at("x");
  return {net_->forward(x).reshape({x.size(0), m_, k_}), {}};
}

}  // namespace disco::toy2d
