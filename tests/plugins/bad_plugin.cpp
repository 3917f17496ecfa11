// A plugin built wrong on purpose (see CMakeLists.txt): another ABI version, another LibTorch version, or a
// register function that throws. The loader must refuse or report each by name and keep going.
#include <stdexcept>

#include "disco/plugin.h"
#include "disco/registry.h"

namespace {
void register_bad(disco::Registry&) {
#ifdef BAD_PLUGIN_THROWS
  throw std::runtime_error("this test plugin always fails to register");
#endif
}
}  // namespace

DISCO_PLUGIN(BAD_PLUGIN_NAME, "0.0.1", register_bad)
