// Key functions of the error classes: their vtables and type_info are emitted here, in libdisco_core.
#include "disco/error.h"

namespace disco {

Error::~Error() = default;
ConfigError::~ConfigError() = default;
UsageError::~UsageError() = default;
DataError::~DataError() = default;
PluginError::~PluginError() = default;
RuntimeError::~RuntimeError() = default;
InterruptedError::~InterruptedError() = default;

}  // namespace disco
