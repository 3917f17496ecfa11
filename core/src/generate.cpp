#include "disco/generate.h"

#include <ATen/ATen.h>
#include <torch/utils.h>

#include "disco/error.h"
#include "disco/host/guidance.h"
#include "rng.h"

namespace disco {

GenerateOptions generate_options_from_config(const Config& config) {
  GenerateOptions o;
  o.n = config.get_int("sample.n");
  o.batch_size = config.get_int("sample.batch_size");
  o.sampler = config.get_string("sample.sampler");
  o.sampler_options.steps = config.get_int("sample.steps");
  o.sampler_options.rho = config.get_float("sample.rho");
  o.sampler_options.sigma_min = config.get_float("diffusion.sigma_min");
  o.sampler_options.sigma_max = config.get_float("diffusion.sigma_max");
  o.cfg = config.get_float("sample.cfg");
  o.prior_temperature = config.get_float("sample.prior_temperature");
  o.prior_top_k = config.get_int("sample.prior_top_k");
  o.seed = uint64_t(config.get_int("seed"));
  return o;
}

SampleSet generate(Model& model, const Domain& domain, const Registry& registry, const Config& config,
                   const GenerateOptions& o, const Reporter& reporter) {
  torch::NoGradGuard no_grad;
  model.ema->eval();
  if (model.prior) model.prior->eval();
  const auto device = device_of(*model.ema);
  torch::manual_seed(o.seed);
  auto cpu_gen = make_cpu_generator(o.seed);
  auto gen = generator_for(device, cpu_gen);
  auto sampler = registry.make_sampler(o.sampler, config);
  const auto shape = domain.state_shape(config);

  at::Tensor fixed;
  if (o.fixed_latents.defined()) {
    if (!model.has_latents()) throw UsageError("--latents given but this model has no latents (latent.m = 0)");
    fixed = o.fixed_latents.to(at::kLong);
    if (fixed.dim() == 1) fixed = fixed.unsqueeze(0).expand({o.n, fixed.size(0)});
    if (fixed.size(0) != o.n || fixed.size(1) != model.m)
      throw UsageError("--latents needs " + std::to_string(model.m) + " values per sample (latent.m)");
    if (fixed.min().item<int64_t>() < 0 || fixed.max().item<int64_t>() >= model.k)
      throw UsageError("--latents values must be in [0, " + std::to_string(model.k - 1) + "] (latent.k = " +
                       std::to_string(model.k) + ")");
  }

  if (o.fixed_cond.size > 0 && o.fixed_cond.size != o.n)
    throw UsageError("fixed conditions for " + std::to_string(o.fixed_cond.size) + " samples, but " +
                     std::to_string(o.n) + " samples asked for");

  SampleSet out;
  std::vector<at::Tensor> xs, zs;
  std::map<std::string, std::vector<at::Tensor>> conds;
  std::vector<std::vector<at::Tensor>> traj_chunks;
  // The conditions of all o.n samples at once, then cut into batches: classes in turn run on across batches
  // instead of restarting at class 0 in each (which favoured the first classes when batch_size < n).
  const Batch all_cond = o.fixed_cond.size > 0 ? o.fixed_cond : domain.sample_conditions(config, o.n, cpu_gen);
  for (int64_t start = 0; start < o.n; start += o.batch_size) {
    const int64_t nb = std::min(o.batch_size, o.n - start);
    Batch cond = all_cond.index(at::arange(start, start + nb, at::kLong)).to(device);
    Latents z;
    if (model.has_latents()) {
      auto idx = fixed.defined() ? fixed.narrow(0, start, nb).to(device)
                                 : model.prior->sample(cond, nb, o.prior_temperature, o.prior_top_k, gen);
      z = Latents::from_indices(idx, model.k);
      zs.push_back(idx.to(at::kCPU));
    }
    int64_t nfe = 0;
    auto fn = make_guided_denoise_fn(model.ema, *model.diffusion, cond, z, o.cfg, &nfe);
    auto x0 = model.diffusion->sample_prior(nb, shape, o.sampler_options.sigma_max, device, gen);
    Trajectory traj;
    auto x = sampler->sample(*model.diffusion, fn, x0, o.sampler_options, o.record_trajectory ? &traj : nullptr,
                             reporter, gen);
    xs.push_back(x.to(at::kCPU));
    for (const auto& [key, t] : cond.tensors) conds[key].push_back(t.to(at::kCPU));
    out.nfe = nfe;
    if (o.record_trajectory) {
      out.trajectory.sigmas = traj.sigmas;
      traj_chunks.push_back(traj.states);
    }
  }
  out.x = at::cat(xs, 0);
  if (!zs.empty()) out.latents = at::cat(zs, 0);
  out.cond.size = o.n;
  for (auto& [key, list] : conds) out.cond.tensors[key] = at::cat(list, 0);
  if (o.record_trajectory) {
    for (size_t s = 0; s < out.trajectory.sigmas.size(); ++s) {
      std::vector<at::Tensor> parts;
      for (auto& chunk : traj_chunks) parts.push_back(chunk[s]);
      out.trajectory.states.push_back(at::cat(parts, 0));
    }
  }
  return out;
}

}  // namespace disco
