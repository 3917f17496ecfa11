#include "networks.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

namespace disco::toy2d {

Toy2dDenoiserImpl::Toy2dDenoiserImpl(int64_t m, int64_t k, int64_t hidden, double component_sigma, double sigma_data,
                                     double codebook_init, double codebook_lr_scale)
    : m_(m), component_sigma_(component_sigma), codebook_scale_(codebook_lr_scale), precond_{sigma_data} {
  if (m > 0) {
    embedding_ = register_module("embedding", LatentEmbedding(m, k, 2));
    // F(z) lives in data space; start the codes spread over the data's extent rather than at the origin, where
    // every code would look alike and the latent would only learn a constant shift of the score.
    torch::NoGradGuard no_grad;
    // F(z) = s * E(z) with E initialised to F0 / s: under Adam (whose steps are ~lr whatever the gradient's
    // scale) this moves F at s times the denoiser's learning rate without a separate optimizer group.
    embedding_->codebook.mul_(codebook_init / codebook_scale_);
    embedding_->null_embedding.mul_(codebook_init / codebook_scale_);
  } else {
    // The baseline has no latent path: its Gaussian term is centred on one learnable point.
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
  at::Tensor center;               // F(z), [B, 2]
  if (m_ > 0) {
    center = (z.empty() ? embedding_->null(x.size(0)) : embedding_->forward(z)).sum(1) * codebook_scale_;
  } else {
    center = baseline_center_.unsqueeze(0).expand({x.size(0), 2});
  }
  auto gaussian_score = (center - x) / (t2 + component_sigma_ * component_sigma_);
  // H sees the EDM-normalised input c_in x and c_noise; its output is scaled by c_in = 1/sqrt(t^2 + sigma_d^2).
  // That keeps H a small correction at every t: the Gaussian term around F(z) carries the large small-t score,
  // which is what makes the latent worth learning (App. F.2's reparameterisation).
  return gaussian_score + learned_term(x, t);
}

at::Tensor Toy2dDenoiserImpl::learned_term(const at::Tensor& x, const at::Tensor& t) {
  auto c_in = precond_.c_in(t).unsqueeze(1);
  auto features = at::cat({c_in * x, precond_.c_noise(t).unsqueeze(1)}, 1);
  return c_in * h_->forward(features);
}

void Toy2dDenoiserImpl::set_code_centres(const at::Tensor& centres) {
  if (m_ == 0) return;
  torch::NoGradGuard no_grad;
  const at::Tensor per_latent = centres.to(embedding_->codebook.options()) / (double(m_) * codebook_scale_);
  embedding_->codebook.copy_(per_latent.unsqueeze(0).expand_as(embedding_->codebook));
}

at::Tensor Toy2dDenoiserImpl::denoise(const Batch& noisy, const at::Tensor& sigma, const Latents& z) {
  const auto& x = noisy.at("x");
  return x + (sigma * sigma).unsqueeze(1) * score(x, sigma, z);  // Tweedie: D = x + t^2 grad log p_t
}

Toy2dEncoderImpl::Toy2dEncoderImpl(int64_t m, int64_t k, int64_t hidden, double init_scale) : m_(m), k_(k) {
  auto last = torch::nn::Linear(hidden, m * k);
  net_ = register_module("net", torch::nn::Sequential(torch::nn::Linear(2, hidden), torch::nn::SiLU(),
                                                      torch::nn::Linear(hidden, hidden), torch::nn::SiLU(), last));
  torch::NoGradGuard no_grad;
  last->weight.mul_(init_scale);
  last->bias.mul_(init_scale);
}

EncoderOutput Toy2dEncoderImpl::encode(const Batch& clean) {
  const auto& x = clean.at("x");
  return {net_->forward(x).reshape({x.size(0), m_, k_}), {}};
}

}  // namespace disco::toy2d
