// Experiment configuration: a TOML file + `--set key=value` overrides, validated against schemas.
//
// Every key is declared in a schema (schemas/core.toml, or the domain's schema that its plugin embeds).
// A schema is itself TOML; each key is a table whose dotted name is the config key:
//
//   [train.lr]
//   type = "float"          # int | float | bool | string | int_list | float_list
//   default = 1e-3
//   min = 0.0               # optional, inclusive (numbers, and each element of a list)
//   max = 1.0               # optional, inclusive
//   choices = ["a", "b"]    # optional, strings only
//   doc = "Adam learning rate (App. F.2)."
//
// Validation errors name the place: "exp.toml:12:5: train.lr must be >= 0 (got -3)", and unknown keys
// get "did you mean 'train.lr'?". Overrides are reported as "--set train.lr=...".
// Precedence: --set > TOML file > schema default.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace disco {

// Where a value came from, for error messages.
struct SourcePos {
  std::string file;  // file path, or "--set" for a command-line override, or "<default>"
  int line = 0;      // 1-based; 0 when unknown
  int col = 0;
  std::string str() const;  // "file:line:col" (or "file" when there is no line)
};

enum class ValueType { kInt, kFloat, kBool, kString, kIntList, kFloatList };
const char* value_type_name(ValueType t);

using Value = std::variant<int64_t, double, bool, std::string, std::vector<int64_t>, std::vector<double>>;
std::string value_to_toml(const Value& v);  // TOML literal, e.g. 1e-3, "heun", [1, 2]

struct KeySpec {
  std::string key;  // dotted, e.g. "train.lr"
  ValueType type = ValueType::kFloat;
  Value default_value;
  std::optional<double> min, max;
  std::vector<std::string> choices;
  std::string doc;
};

class Schema {
 public:
  // Parses schema TOML. `origin` names it in errors (a path, or "plugin toy2d").
  static Schema parse(const std::string& toml_text, const std::string& origin);
  static Schema load_file(const std::string& path);

  // Adds all keys of `other`; a key declared twice is a ConfigError naming both origins.
  void merge(const Schema& other);
  const KeySpec* find(const std::string& key) const;
  const std::vector<KeySpec>& keys() const { return keys_; }
  // Known keys closest to `key` by edit distance (at most 3, best first), for "did you mean".
  std::vector<std::string> suggest(const std::string& key) const;
  // Human-readable listing (or a Markdown table with markdown=true) of every key: type, default, range, doc.
  std::string explain(bool markdown) const;

 private:
  std::vector<KeySpec> keys_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> origin_of_;
};

class Config {
 public:
  // Parses a TOML file without validating it (the schema depends on `domain`, read first).
  // Syntax errors: ConfigError "FILE:LINE:COL: ...". A missing file: ConfigError naming it.
  static Config parse_file(const std::string& path);
  static Config parse_string(const std::string& toml_text, const std::string& origin);

  // Applies one "a.b=value" override. The value is parsed as TOML (1e-3, true, "x", [1,2]); a bare word
  // that is not valid TOML is taken as a string. Malformed overrides are ConfigError.
  void apply_override(const std::string& assignment);

  // Checks every key against the schema (unknown keys, types, ranges, choices), converts ints given for
  // floats, and fills in defaults. Throws ConfigError on the first problem, naming file:line:col.
  void validate(const Schema& schema);

  // Raw lookup before validation (e.g. "domain"); nullopt when absent.
  std::optional<std::string> peek_string(const std::string& key) const;

  bool has(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;  // also accepts an int value
  bool get_bool(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;
  std::vector<int64_t> get_int_list(const std::string& key) const;
  std::vector<double> get_float_list(const std::string& key) const;
  SourcePos where(const std::string& key) const;

  // Resolved config as TOML (sections sorted, every key, with the source as a comment), for runs/<name>/config.toml.
  std::string to_toml() const;
  const std::string& origin() const { return origin_; }
  const std::map<std::string, Value>& values() const { return values_; }

 private:
  std::string origin_;
  std::map<std::string, Value> values_;
  std::map<std::string, SourcePos> where_;
};

}  // namespace disco

namespace disco {
// The schema of the keys every experiment has (schemas/core.toml, compiled into the core).
Schema core_schema();
}  // namespace disco
