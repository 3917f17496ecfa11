// Plugin entry point. A plugin is one shared library exporting one C symbol, `disco_plugin_descriptor`,
// that returns a static descriptor; the loader checks it before calling anything else.
//
//   static void register_toy(disco::Registry& r) { r.add_domain(std::make_shared<Toy>(), "toy2d"); }
//   DISCO_PLUGIN("toy2d", "0.1.0", register_toy)
//
// ABI version: bump kPluginAbiVersion whenever an SDK header (core/include/disco/*.h) changes in a way
// that changes class layout, virtual functions or the descriptor itself. The loader refuses a plugin whose
// ABI version or LibTorch version differs from the host's, naming both ("plugin: X, host: Y").
#pragma once
#include <boost/config.hpp>
#include <torch/version.h>

namespace disco {

class Registry;

constexpr int kPluginAbiVersion = 7;  // 7: Model holds ema_encoder

struct PluginDescriptor {
  int abi_version;
  const char* name;
  const char* version;
  const char* torch_version;  // LibTorch the plugin was compiled against
  const char* compiler;       // compiler the plugin was built with (informational)
  void (*register_fn)(Registry&);
};

constexpr const char* kPluginEntrySymbol = "disco_plugin_descriptor";

}  // namespace disco

// Tests override these to build deliberately mismatched plugins.
#ifndef DISCO_PLUGIN_ABI_VERSION
#define DISCO_PLUGIN_ABI_VERSION ::disco::kPluginAbiVersion
#endif
#ifndef DISCO_PLUGIN_TORCH_VERSION
#define DISCO_PLUGIN_TORCH_VERSION TORCH_VERSION
#endif

#define DISCO_PLUGIN(NAME, VERSION, REGISTER_FN)                                                      \
  extern "C" BOOST_SYMBOL_EXPORT const ::disco::PluginDescriptor* disco_plugin_descriptor() {        \
    static const ::disco::PluginDescriptor descriptor{DISCO_PLUGIN_ABI_VERSION, NAME, VERSION,       \
                                                      DISCO_PLUGIN_TORCH_VERSION, __VERSION__,       \
                                                      REGISTER_FN};                                  \
    return &descriptor;                                                                              \
  }
