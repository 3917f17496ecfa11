#include "disco/config.h"
#include "disco_core_schema.h"

namespace disco {

Schema core_schema() { return Schema::parse(kCoreSchema, "schemas/core.toml"); }

}  // namespace disco
