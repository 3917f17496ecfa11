// Config: TOML file + --set overrides, flattened to dotted keys and checked against a Schema.
#include "disco/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "config_detail.h"
#include "disco/error.h"
#include "disco/read_file.h"

namespace disco {

namespace {

constexpr const char* kOverrideFile = "--set";
constexpr const char* kDefaultFile = "<default>";

ValueType type_of(const Value& v) { return static_cast<ValueType>(v.index()); }

// "an int", "a float": for "is a string, not an int".
std::string with_article(const char* noun) {
  return std::string(std::strchr("aeiou", noun[0]) ? "an " : "a ") + noun;
}

const char* expected_noun(ValueType t) {
  switch (t) {
    case ValueType::kInt: return "an int";
    case ValueType::kFloat: return "a float";
    case ValueType::kBool: return "a bool";
    case ValueType::kString: return "a string";
    case ValueType::kIntList: return "a list of ints";
    case ValueType::kFloatList: return "a list of floats";
  }
  return "?";
}

const char* got_noun(ValueType t) {
  switch (t) {
    case ValueType::kInt: return "int";
    case ValueType::kFloat: return "float";
    case ValueType::kBool: return "bool";
    case ValueType::kString: return "string";
    case ValueType::kIntList:
    case ValueType::kFloatList: return "list";
  }
  return "?";
}

std::string escape_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(c));
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string format_double(double d) {
  std::string s = fmt::format("{}", d);  // shortest representation that round-trips
  // TOML reads "1" as an integer; inf/nan contain 'n'.
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

// Bare TOML key component, or a quoted one when it has other characters.
std::string toml_key(const std::string& part) {
  bool bare = !part.empty();
  for (char c : part) bare = bare && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  return bare ? part : escape_string(part);
}

std::string toml_dotted_key(const std::string& key) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t dot = key.find('.', start);
    out += toml_key(key.substr(start, dot - start));
    if (dot == std::string::npos) return out;
    out += '.';
    start = dot + 1;
  }
}

// Where a message about `key` begins: "exp.toml:12:5" or, for an override, "--set train.lr".
std::string locate(const SourcePos& pos, const std::string& key) {
  return pos.line > 0 ? pos.str() : pos.str() + " " + key;
}

void flatten(const toml::table& table, const std::string& prefix, const std::string& file,
             std::map<std::string, Value>& values, std::map<std::string, SourcePos>& where) {
  for (auto&& [k, node] : table) {
    std::string key = prefix + std::string(k.str());
    if (const toml::table* sub = node.as_table()) {
      flatten(*sub, key + ".", file, values, where);
    } else {
      values[key] = detail::value_from_toml(node, file);
      where[key] = detail::pos_of(node, file);
    }
  }
}

bool valid_override_key(const std::string& key) {
  if (key.empty() || key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos) return false;
  for (char c : key) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  }
  return true;
}

const char* toml_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a bool";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

namespace detail {

SourcePos pos_of(const toml::node& node, const std::string& file) {
  return SourcePos{file, static_cast<int>(node.source().begin.line), static_cast<int>(node.source().begin.column)};
}

std::string read_text_file(const std::string& path, const char* what) {
  std::string why;
  auto text = read_file_if_possible(path, &why);
  if (!text) throw ConfigError(fmt::format("cannot read {} file '{}': {}", what, path, why));
  return *text;
}

Value value_from_toml(const toml::node& node, const std::string& file) {
  if (auto v = node.as_integer()) return v->get();
  if (auto v = node.as_floating_point()) return v->get();
  if (auto v = node.as_boolean()) return v->get();
  if (auto v = node.as_string()) return v->get();
  if (const toml::array* arr = node.as_array()) {
    std::vector<int64_t> ints;
    std::vector<double> floats;
    bool any_float = false;
    for (const toml::node& el : *arr) {
      if (auto i = el.as_integer()) {
        ints.push_back(i->get());
        floats.push_back(static_cast<double>(i->get()));
      } else if (auto f = el.as_floating_point()) {
        any_float = true;
        floats.push_back(f->get());
      } else {
        throw ConfigError(fmt::format("{}: arrays may only hold numbers (got {})", pos_of(el, file).str(),
                                      toml_type_name(el)));
      }
    }
    if (any_float) return floats;
    return ints;
  }
  throw ConfigError(fmt::format("{}: unsupported value type {}", pos_of(node, file).str(),
                                toml_type_name(node)));
}

// Checks `value` against `spec`, converting ints given for floats. Returns "" or the problem, e.g.
// "train.lr must be >= 0 (got -3)"; the caller prefixes the location.
std::string check_value(const KeySpec& spec, Value& value) {
  const ValueType got = type_of(value);
  const bool promote = (spec.type == ValueType::kFloat && got == ValueType::kInt) ||
                       (spec.type == ValueType::kFloatList && got == ValueType::kIntList);
  if (spec.type != got && !promote) {
    return fmt::format("{} must be {} (got {} {})", spec.key, expected_noun(spec.type), got_noun(got),
                       value_to_toml(value));
  }

  // Ranges are checked before promotion so that messages echo what the user wrote ("got -3", not "-3.0").
  auto check_range = [&](double x, const std::string& shown, const std::string& what) -> std::string {
    // NaN fails every comparison, so test the negation to reject it.
    if (spec.min && !(x >= *spec.min)) return fmt::format("{} must be >= {} (got {})", what, *spec.min, shown);
    if (spec.max && !(x <= *spec.max)) return fmt::format("{} must be <= {} (got {})", what, *spec.max, shown);
    return "";
  };
  std::string err;
  if (auto* i = std::get_if<int64_t>(&value)) {
    err = check_range(static_cast<double>(*i), fmt::format("{}", *i), spec.key);
  } else if (auto* d = std::get_if<double>(&value)) {
    err = check_range(*d, format_double(*d), spec.key);
  } else if (auto* il = std::get_if<std::vector<int64_t>>(&value)) {
    for (size_t k = 0; k < il->size() && err.empty(); ++k) {
      err = check_range(static_cast<double>((*il)[k]), fmt::format("{}", (*il)[k]), fmt::format("{}[{}]", spec.key, k));
    }
  } else if (auto* dl = std::get_if<std::vector<double>>(&value)) {
    for (size_t k = 0; k < dl->size() && err.empty(); ++k) {
      err = check_range((*dl)[k], format_double((*dl)[k]), fmt::format("{}[{}]", spec.key, k));
    }
  } else if (auto* s = std::get_if<std::string>(&value); s && !spec.choices.empty()) {
    if (std::find(spec.choices.begin(), spec.choices.end(), *s) == spec.choices.end()) {
      err = fmt::format("{} must be one of: {} (got {})", spec.key, fmt::join(spec.choices, ", "), escape_string(*s));
    }
  }
  if (!err.empty() || !promote) return err;

  if (auto* i = std::get_if<int64_t>(&value)) {
    value = static_cast<double>(*i);
  } else {
    const auto& ints = std::get<std::vector<int64_t>>(value);
    value = std::vector<double>(ints.begin(), ints.end());
  }
  return "";
}

}  // namespace detail

std::string SourcePos::str() const { return line > 0 ? fmt::format("{}:{}:{}", file, line, col) : file; }

const char* value_type_name(ValueType t) {
  switch (t) {
    case ValueType::kInt: return "int";
    case ValueType::kFloat: return "float";
    case ValueType::kBool: return "bool";
    case ValueType::kString: return "string";
    case ValueType::kIntList: return "int_list";
    case ValueType::kFloatList: return "float_list";
  }
  return "?";
}

std::string value_to_toml(const Value& v) {
  struct Visitor {
    std::string operator()(int64_t i) const { return fmt::format("{}", i); }
    std::string operator()(double d) const { return format_double(d); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::string& s) const { return escape_string(s); }
    std::string operator()(const std::vector<int64_t>& l) const { return fmt::format("[{}]", fmt::join(l, ", ")); }
    std::string operator()(const std::vector<double>& l) const {
      std::vector<std::string> parts;
      for (double d : l) parts.push_back(format_double(d));
      return fmt::format("[{}]", fmt::join(parts, ", "));
    }
  };
  return std::visit(Visitor{}, v);
}

Config Config::parse_file(const std::string& path) {
  return parse_string(detail::read_text_file(path, "config"), path);
}

Config Config::parse_string(const std::string& toml_text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: {}", origin, e.source().begin.line, e.source().begin.column,
                                  e.description()));
  }
  Config cfg;
  cfg.origin_ = origin;
  flatten(root, "", origin, cfg.values_, cfg.where_);
  return cfg;
}

void Config::apply_override(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  const std::string key = eq == std::string::npos ? "" : trim(assignment.substr(0, eq));
  if (key.empty()) throw ConfigError(fmt::format("--set '{}': expected key=value", assignment));
  if (!valid_override_key(key)) {
    throw ConfigError(fmt::format("--set '{}': invalid key '{}' (use letters, digits, '_', '-' and '.')", assignment, key));
  }
  const std::string text = trim(assignment.substr(eq + 1));

  Value value = text;  // a bare word that is not TOML (toy2d, my-run) is a string
  toml::table parsed;
  bool ok = true;
  try {
    parsed = toml::parse("v = " + text, std::string_view(kOverrideFile));
  } catch (const toml::parse_error&) {
    ok = false;
  }
  const toml::node* node = ok && parsed.size() == 1 ? parsed.get("v") : nullptr;
  if (node && (node->is_number() || node->is_boolean() || node->is_string())) {
    value = detail::value_from_toml(*node, kOverrideFile);
  } else if (node && node->is_array()) {
    try {
      value = detail::value_from_toml(*node, kOverrideFile);
    } catch (const ConfigError&) {
      throw ConfigError(fmt::format("--set '{}': lists may only hold numbers", assignment));
    }
  }  // dates, inline tables: keep the raw text as a string
  values_[key] = std::move(value);
  where_[key] = SourcePos{kOverrideFile, 0, 0};
}

void Config::validate(const Schema& schema) {
  for (auto& [key, value] : values_) {
    const SourcePos& pos = where_[key];
    const KeySpec* spec = schema.find(key);
    if (!spec) {
      std::vector<std::string> close = schema.suggest(key);
      std::string hint = close.empty() ? "" : fmt::format("; did you mean '{}'?", close.front());
      throw ConfigError(fmt::format("{}: unknown key '{}'{}", locate(pos, key), key, hint));
    }
    std::string err = detail::check_value(*spec, value);
    if (!err.empty()) throw ConfigError(fmt::format("{}: {}", locate(pos, key), err));
  }
  for (const KeySpec& spec : schema.keys()) {
    if (values_.count(spec.key)) continue;
    values_[spec.key] = spec.default_value;
    where_[spec.key] = SourcePos{kDefaultFile, 0, 0};
  }
}

std::optional<std::string> Config::peek_string(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  if (auto* s = std::get_if<std::string>(&it->second)) return *s;
  return std::nullopt;
}

bool Config::has(const std::string& key) const { return values_.count(key) > 0; }

namespace {
// Looks up `key` and returns it as T, or throws naming what it is instead.
template <typename T>
const T& get_as(const std::map<std::string, Value>& values, const std::string& key, ValueType want) {
  auto it = values.find(key);
  if (it == values.end()) throw ConfigError(fmt::format("config key '{}' is not set", key));
  if (auto* v = std::get_if<T>(&it->second)) return *v;
  throw ConfigError(fmt::format("config key '{}' is {}, not {}", key, with_article(value_type_name(type_of(it->second))),
                                with_article(value_type_name(want))));
}
}  // namespace

int64_t Config::get_int(const std::string& key) const { return get_as<int64_t>(values_, key, ValueType::kInt); }

double Config::get_float(const std::string& key) const {
  auto it = values_.find(key);
  if (it != values_.end()) {
    if (auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  }
  return get_as<double>(values_, key, ValueType::kFloat);
}

bool Config::get_bool(const std::string& key) const { return get_as<bool>(values_, key, ValueType::kBool); }

const std::string& Config::get_string(const std::string& key) const {
  return get_as<std::string>(values_, key, ValueType::kString);
}

std::vector<int64_t> Config::get_int_list(const std::string& key) const {
  return get_as<std::vector<int64_t>>(values_, key, ValueType::kIntList);
}

std::vector<double> Config::get_float_list(const std::string& key) const {
  auto it = values_.find(key);
  if (it != values_.end()) {
    if (auto* l = std::get_if<std::vector<int64_t>>(&it->second)) return std::vector<double>(l->begin(), l->end());
  }
  return get_as<std::vector<double>>(values_, key, ValueType::kFloatList);
}

SourcePos Config::where(const std::string& key) const {
  auto it = where_.find(key);
  if (it == where_.end()) throw ConfigError(fmt::format("config key '{}' is not set", key));
  return it->second;
}

std::string Config::to_toml() const {
  // section ("" for top level) -> lines; std::map keeps both levels sorted, and "" sorts first.
  std::map<std::string, std::vector<std::string>> sections;
  for (const auto& [key, value] : values_) {
    const size_t dot = key.rfind('.');
    const std::string section = dot == std::string::npos ? "" : key.substr(0, dot);
    const std::string leaf = dot == std::string::npos ? key : key.substr(dot + 1);
    const SourcePos& pos = where_.at(key);
    std::string source = pos.file == kDefaultFile ? "default" : pos.str();
    for (char& c : source) {
      if (c == '\n' || c == '\r') c = ' ';  // a comment must stay on one line
    }
    sections[section].push_back(fmt::format("{} = {}  # {}", toml_key(leaf), value_to_toml(value), source));
  }
  std::string out;
  for (const auto& [section, lines] : sections) {
    if (!section.empty()) out += fmt::format("{}[{}]\n", out.empty() ? "" : "\n", toml_dotted_key(section));
    for (const std::string& line : lines) out += line + "\n";
  }
  return out;
}

}  // namespace disco
