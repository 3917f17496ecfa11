// The smallest plugin: it registers a sampler and a command, to prove the installed SDK builds plugins.
#include <cstdio>
#include <memory>

#include "disco/plugin.h"
#include "disco/registry.h"

namespace {
void register_out_of_tree(disco::Registry& registry) {
  // Reuse the core's Euler under another name: the point is the build, not the sampler.
  registry.add_sampler("euler-out-of-tree",
                       [&registry](const disco::Config& c) { return registry.make_sampler("euler", c); },
                       "out_of_tree");
  registry.add_command({"out-of-tree echo", "Print the arguments, one a line",
                        [](const disco::CommandContext& context) {
                          for (const auto& arg : context.args) std::printf("%s\n", arg.c_str());
                          return 0;
                        }},
                       "out_of_tree");
}
}  // namespace

DISCO_PLUGIN("out_of_tree", "0.0.1", register_out_of_tree)
