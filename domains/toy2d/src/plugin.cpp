// The toy2d plugin's entry point: it registers the toy2d domain.
#include "toy2d_domain.h"
#include "disco/plugin.h"
#include "disco/registry.h"

namespace {

void register_toy2d(disco::Registry& registry) {
  registry.add_domain(disco::toy2d::make_toy2d_domain(), "toy2d");
}

}  // namespace

DISCO_PLUGIN("toy2d", "0.1.0", register_toy2d)
