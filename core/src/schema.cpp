// Schema: the declared config keys (type, default, range, choices, doc), parsed from TOML.
#include <fmt/format.h>

#include <algorithm>
#include <toml++/toml.h>

#include "disco/config.h"
#include "config_detail.h"
#include "disco/error.h"

namespace disco {

namespace {

constexpr ValueType kAllTypes[] = {ValueType::kInt,    ValueType::kFloat,   ValueType::kBool,
                                   ValueType::kString, ValueType::kIntList, ValueType::kFloatList};
constexpr const char* kFields[] = {"type", "default", "min", "max", "choices", "doc"};

// Optimal string alignment distance: Levenshtein plus adjacent transpositions ("trian" -> "train" is 1).
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// How far a typo may be from the intended word; short words need a close match to avoid noise.
size_t max_distance(size_t len) { return len <= 4 ? 1 : std::max<size_t>(2, len / 3); }

std::string last_part(const std::string& key) {
  const size_t dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

std::string section_of(const std::string& key) {
  const size_t dot = key.rfind('.');
  return dot == std::string::npos ? "" : key.substr(0, dot);
}

std::string allowed_text(const KeySpec& s) {
  if (!s.choices.empty()) return fmt::format("{{{}}}", fmt::join(s.choices, ", "));
  if (s.min && s.max) return fmt::format("[{}, {}]", *s.min, *s.max);
  if (s.min) return fmt::format(">= {}", *s.min);
  if (s.max) return fmt::format("<= {}", *s.max);
  return "";
}

std::string markdown_cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

std::string pad(const std::string& s, size_t width) { return s + std::string(width > s.size() ? width - s.size() : 0, ' '); }

class SchemaParser {
 public:
  explicit SchemaParser(std::string origin) : origin_(std::move(origin)) {}

  void walk(const toml::table& table, const std::string& prefix, std::vector<KeySpec>& out) const {
    for (auto&& [k, node] : table) {
      const std::string key = prefix + std::string(k.str());
      const toml::table* sub = node.as_table();
      if (!sub) fail(node, fmt::format("'{}' must be a table with a 'type' field", key));
      if (sub->contains("type")) {
        out.push_back(parse_key(*sub, key));
      } else {
        walk(*sub, key + ".", out);
      }
    }
  }

 private:
  [[noreturn]] void fail(const toml::node& at, const std::string& what) const {
    throw ConfigError(fmt::format("{}: {}", detail::pos_of(at, origin_).str(), what));
  }

  KeySpec parse_key(const toml::table& t, const std::string& key) const {
    KeySpec spec;
    spec.key = key;
    for (auto&& [field, node] : t) {
      if (std::find(std::begin(kFields), std::end(kFields), field.str()) == std::end(kFields)) {
        fail(node, fmt::format("{}: unknown field '{}' (expected type, default, min, max, choices, doc)", key,
                               field.str()));
      }
    }

    const toml::node& type_node = *t.get("type");
    const auto* type_name = type_node.as_string();
    auto type_it = std::find_if(std::begin(kAllTypes), std::end(kAllTypes), [&](ValueType vt) {
      return type_name && type_name->get() == value_type_name(vt);
    });
    if (type_it == std::end(kAllTypes)) {
      fail(type_node, fmt::format("{}: unknown type {} (expected int, float, bool, string, int_list, float_list)",
                                  key, type_name ? "'" + type_name->get() + "'" : "value"));
    }
    spec.type = *type_it;
    const bool numeric = spec.type != ValueType::kBool && spec.type != ValueType::kString;

    for (const char* bound : {"min", "max"}) {
      const toml::node* n = t.get(bound);
      if (!n) continue;
      if (!numeric) fail(*n, fmt::format("{}: '{}' only applies to numbers", key, bound));
      std::optional<double> v = n->value<double>();  // also reads integers
      if (!n->is_number() || !v) fail(*n, fmt::format("{}: '{}' must be a number", key, bound));
      (bound[1] == 'i' ? spec.min : spec.max) = *v;
    }
    if (spec.min && spec.max && *spec.min > *spec.max) fail(*t.get("max"), fmt::format("{}: max is below min", key));

    if (const toml::node* n = t.get("choices")) {
      const toml::array* arr = n->as_array();
      if (spec.type != ValueType::kString) fail(*n, fmt::format("{}: 'choices' only applies to strings", key));
      if (!arr || arr->empty() || !arr->is_homogeneous(toml::node_type::string)) {
        fail(*n, fmt::format("{}: 'choices' must be a non-empty list of strings", key));
      }
      for (const toml::node& c : *arr) spec.choices.push_back(c.as_string()->get());
    }

    if (const toml::node* n = t.get("doc")) {
      if (!n->is_string()) fail(*n, fmt::format("{}: 'doc' must be a string", key));
      spec.doc = n->as_string()->get();
    }

    const toml::node* def = t.get("default");
    if (!def) throw ConfigError(fmt::format("{}: {}: missing default", detail::pos_of(t, origin_).str(), key));
    spec.default_value = detail::value_from_toml(*def, origin_);  // its errors already name the place
    const std::string err = detail::check_value(spec, spec.default_value);
    if (!err.empty()) fail(*def, "invalid default: " + err);
    return spec;
  }

  std::string origin_;
};

}  // namespace

Schema Schema::parse(const std::string& toml_text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: {}", origin, e.source().begin.line, e.source().begin.column,
                                  e.description()));
  }
  Schema parsed;
  SchemaParser(origin).walk(root, "", parsed.keys_);
  Schema schema;
  for (const KeySpec& spec : parsed.keys_) parsed.origin_of_[spec.key] = origin;
  schema.merge(parsed);  // also rejects "a" declared beside "a.b" within one file
  return schema;
}

Schema Schema::load_file(const std::string& path) { return parse(detail::read_text_file(path, "schema"), path); }

void Schema::merge(const Schema& other) {
  // Check everything first so that a failed merge leaves *this unchanged.
  std::map<std::string, std::string> seen = origin_of_;
  for (const KeySpec& spec : other.keys_) {
    const std::string& from = other.origin_of_.at(spec.key);
    if (auto it = seen.find(spec.key); it != seen.end()) {
      throw ConfigError(fmt::format("key '{}' declared in both {} and {}", spec.key, it->second, from));
    }
    // A key may not also be a section ("a" and "a.b"): the resolved config could not be written as TOML.
    auto after = seen.lower_bound(spec.key + ".");
    if (after != seen.end() && after->first.compare(0, spec.key.size() + 1, spec.key + ".") == 0) {
      throw ConfigError(fmt::format("key '{}' ({}) is also a section of '{}' ({})", spec.key, from, after->first,
                                    after->second));
    }
    for (size_t dot = spec.key.find('.'); dot != std::string::npos; dot = spec.key.find('.', dot + 1)) {
      if (auto p = seen.find(spec.key.substr(0, dot)); p != seen.end()) {
        throw ConfigError(fmt::format("key '{}' ({}) is also a section of '{}' ({})", p->first, p->second, spec.key,
                                      from));
      }
    }
    seen[spec.key] = from;
  }
  for (const KeySpec& spec : other.keys_) {
    index_[spec.key] = keys_.size();
    keys_.push_back(spec);
  }
  origin_of_ = std::move(seen);
}

const KeySpec* Schema::find(const std::string& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &keys_[it->second];
}

std::vector<std::string> Schema::suggest(const std::string& key) const {
  const std::string leaf = last_part(key);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const KeySpec& spec : keys_) {
    size_t best = SIZE_MAX;
    if (size_t d = edit_distance(key, spec.key); d <= max_distance(key.size())) best = d;
    // The right name in the wrong section ("optim.lr" for "train.lr") is also a likely slip.
    // Short leaves ("lr", "k") only count when exact, else every one-letter key would match.
    const size_t leaf_max = leaf.size() <= 4 ? 0 : max_distance(leaf.size());
    if (size_t d = edit_distance(leaf, last_part(spec.key)); d <= leaf_max) best = std::min(best, d + 1);
    if (best != SIZE_MAX) scored.emplace_back(best, spec.key);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < 3; ++i) out.push_back(scored[i].second);
  return out;
}

std::string Schema::explain(bool markdown) const {
  std::vector<const KeySpec*> sorted;
  for (const KeySpec& s : keys_) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(), [](const KeySpec* a, const KeySpec* b) { return a->key < b->key; });

  std::string out;
  if (markdown) {
    out = "| key | type | default | allowed | description |\n|---|---|---|---|---|\n";
    for (const KeySpec* s : sorted) {
      const std::string allowed = allowed_text(*s);
      out += fmt::format("| `{}` | {} | `{}` | {} | {} |\n", s->key, value_type_name(s->type),
                         markdown_cell(value_to_toml(s->default_value)), allowed.empty() ? "-" : markdown_cell(allowed),
                         markdown_cell(s->doc));
    }
    return out;
  }

  // Columns are aligned across the whole listing so sections read as one table.
  size_t wk = 0, wt = 0, wd = 0, wa = 0;
  for (const KeySpec* s : sorted) {
    wk = std::max(wk, s->key.size());
    wt = std::max(wt, std::string(value_type_name(s->type)).size());
    wd = std::max(wd, value_to_toml(s->default_value).size() + 8);
    wa = std::max(wa, allowed_text(*s).size());
  }
  // Top-level keys first, then sections in order; std::stable_sort keeps keys sorted within a section.
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const KeySpec* a, const KeySpec* b) { return section_of(a->key) < section_of(b->key); });
  std::string section = "\x01";
  for (const KeySpec* s : sorted) {
    if (section_of(s->key) != section) {
      section = section_of(s->key);
      if (!out.empty()) out += "\n";
      if (!section.empty()) out += "[" + section + "]\n";
    }
    std::string line = fmt::format("  {}  {}  {}  {}  {}", pad(s->key, wk), pad(value_type_name(s->type), wt),
                                   pad("default " + value_to_toml(s->default_value), wd), pad(allowed_text(*s), wa),
                                   s->doc);
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  return out;
}

}  // namespace disco
