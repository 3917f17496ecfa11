// Internal: helpers shared by config.cpp and schema.cpp (defined in config.cpp), kept out of the public
// header so that toml++ stays a private dependency of the core.
#pragma once
#include <string>
#include <toml++/toml.h>

#include "disco/config.h"

namespace disco::detail {

Value value_from_toml(const toml::node& node, const std::string& file);
// Checks value against spec (type, range, choices), converting int to float where the spec wants a float.
// Returns an error description, or "" when the value is fine.
std::string check_value(const KeySpec& spec, Value& value);
std::string read_text_file(const std::string& path, const char* what);
SourcePos pos_of(const toml::node& node, const std::string& file);

}  // namespace disco::detail
