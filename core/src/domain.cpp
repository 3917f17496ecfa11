#include "disco/domain.h"
#include "disco/host/pfgmpp.h"

namespace disco {

std::shared_ptr<Diffusion> Domain::make_diffusion(const Config& config) const {
  EdmDiffusionOptions o;
  o.sigma_data = config.get_float("diffusion.sigma_data");
  o.p_mean = config.get_float("diffusion.p_mean");
  o.p_std = config.get_float("diffusion.p_std");
  o.sigma_min = config.get_float("diffusion.sigma_min");
  o.sigma_max = config.get_float("diffusion.sigma_max");
  if (config.get_string("diffusion.kind") == "pfgmpp")
    return std::make_shared<PfgmppDiffusion>(o, config.get_float("diffusion.pfgmpp_d"));
  return std::make_shared<EdmDiffusion>(o);
}

Batch Domain::sample_conditions(const Config&, int64_t n, c10::optional<at::Generator>) const {
  Batch b;
  b.size = n;
  return b;
}

int64_t Domain::num_classes(const Config&) const { return 0; }

std::shared_ptr<Prior> Domain::make_prior(const Config&) const { return nullptr; }

}  // namespace disco
