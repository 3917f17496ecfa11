// The signal1d plugin's entry point: it registers the domain, and is where a plugin adds its commands too
// (registry.add_command, docs/plugins.md). Rename "signal1d" here, in CMakeLists.txt and in Domain::name().
#include "signal1d_domain.h"
#include "disco/plugin.h"
#include "disco/registry.h"

namespace {

void register_signal1d(disco::Registry& registry) {
  registry.add_domain(disco::signal1d::make_signal1d_domain(), "signal1d");
}

}  // namespace

DISCO_PLUGIN("signal1d", "0.1.0", register_signal1d)
