#include "disco/model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/utils.h>

#include "disco/host/ar_prior.h"
#include "disco/host/ema.h"

namespace disco {

c10::Device device_of(const torch::nn::Module& module) {
  const auto params = module.parameters();
  return params.empty() ? c10::Device(c10::kCPU) : params[0].device();
}

Model Model::build(const Domain& domain, const Config& config) {
  // LibTorch seeds its default CPU generator from the OS at startup, so without this the initial weights, and
  // with them the whole run, would differ from process to process for the same config.
  torch::manual_seed(uint64_t(config.get_int("seed")));
  Model model;
  model.m = config.get_int("latent.m");
  model.k = config.get_int("latent.k");
  model.denoiser = domain.make_denoiser(config);
  model.ema = domain.make_denoiser(config);
  copy_weights(*model.ema, *model.denoiser);
  model.ema->eval();
  model.diffusion = domain.make_diffusion(config);
  if (model.m > 0) {
    model.encoder = domain.make_encoder(config);
    if (config.get_bool("train.ema_encoder")) {
      // Its random initial weights are overwritten at once; drawing them must not move the generator, or the
      // prior's initial weights and everything after would change with the switch, which only adds an observer.
      at::Generator global = at::detail::getDefaultCPUGenerator();
      const at::Tensor rng = global.get_state();
      model.ema_encoder = domain.make_encoder(config);
      global.set_state(rng);
      copy_weights(*model.ema_encoder, *model.encoder);
      model.ema_encoder->eval();
    }
    model.prior = build_prior(domain, config);
  }
  return model;
}

std::shared_ptr<Prior> Model::build_prior(const Domain& domain, const Config& config) {
  if (auto prior = domain.make_prior(config)) return prior;
  auto options = ArPriorOptions(config.get_int("latent.m"), config.get_int("latent.k"))
                     .layers(config.get_int("prior.layers"))
                     .heads(config.get_int("prior.heads"))
                     .width(config.get_int("prior.width"))
                     .dropout(config.get_float("prior.dropout"))
                     .num_classes(domain.num_classes(config));
  return std::make_shared<ArPriorImpl>(options);
}

void Model::to(const c10::Device& device) {
  denoiser->to(device);
  ema->to(device);
  if (encoder) encoder->to(device);
  if (ema_encoder) ema_encoder->to(device);
  if (prior) prior->to(device);
}

}  // namespace disco
