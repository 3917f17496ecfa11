// Fuzz target: arbitrary bytes as an experiment TOML (validated against the core schema, with one --set
// override taken from the input's last line) and as a schema TOML. The contract: every input is accepted or
// rejected with a disco::Error; any other exception, a crash or a sanitizer report is a bug.
#include <cstdint>
#include <string>

#include "disco/config.h"
#include "disco/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const disco::Schema core = disco::core_schema();
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto config = disco::Config::parse_string(text, "fuzz.toml");
    const auto last = text.rfind('\n');
    if (last != std::string::npos && last + 1 < text.size()) config.apply_override(text.substr(last + 1));
    config.validate(core);
    (void)config.to_toml();
  } catch (const disco::Error&) {
  }
  try {
    auto schema = disco::Schema::parse(text, "fuzz-schema.toml");
    (void)schema.explain(true);
    schema.merge(core);
  } catch (const disco::Error&) {
  }
  return 0;
}
