#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "disco/config.h"
#include "disco/error.h"

namespace fs = std::filesystem;
using disco::Config;
using disco::ConfigError;
using disco::Schema;
using disco::Value;
using disco::ValueType;

namespace {

const char* kSchemaText = R"(
[seed]
type = "int"
default = 0
doc = "RNG seed."

[train.lr]
type = "float"
default = 1e-3
min = 0.0
max = 1
doc = "Adam learning rate (App. F.2)."

[train.learning_rate_decay]
type = "float"
default = 1          # an int default for a float key is fine
min = 0

[train.steps]
type = "int"
default = 1000
min = 1

[train.amp]
type = "bool"
default = false

[sampler.name]
type = "string"
default = "heun"
choices = ["heun", "euler"]

[sampler.restart.k]
type = "int_list"
default = [1, 2]
min = 1

[sampler.sigmas]
type = "float_list"
default = [0.5, 1]
min = 0
)";

Schema test_schema() { return Schema::parse(kSchemaText, "core.toml"); }

// A fresh directory per test case, removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("disco_test_config_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = path / name;
    std::ofstream(p) << text;
    return p.string();
  }
};

// Message of the ConfigError thrown by f, or "" when none.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

Config validated(const std::string& text, const std::string& origin = "exp.toml") {
  Config c = Config::parse_string(text, origin);
  c.validate(test_schema());
  return c;
}

}  // namespace

TEST_CASE("parse, validate and fill defaults") {
  TempDir dir;
  const std::string path = dir.write("exp.toml", "seed = 7\n\n[train]\nlr = 0.01\nsteps = 50\n");
  Config c = Config::parse_file(path);
  CHECK(c.origin() == path);
  CHECK(c.values().size() == 3);
  c.validate(test_schema());

  CHECK(c.get_int("seed") == 7);
  CHECK(c.get_float("train.lr") == 0.01);
  CHECK(c.get_int("train.steps") == 50);
  CHECK(c.get_bool("train.amp") == false);
  CHECK(c.get_string("sampler.name") == "heun");
  CHECK(c.get_int_list("sampler.restart.k") == std::vector<int64_t>{1, 2});
  CHECK(c.get_float_list("sampler.sigmas") == std::vector<double>{0.5, 1.0});
  CHECK(c.get_float("train.learning_rate_decay") == 1.0);
  CHECK(c.values().size() == test_schema().keys().size());

  CHECK(c.where("train.lr").str() == path + ":4:6");
  CHECK(c.where("seed").str() == path + ":1:8");
  CHECK(c.where("train.amp").file == "<default>");
  CHECK(c.where("train.amp").str() == "<default>");
}

TEST_CASE("empty file is valid") {
  TempDir dir;
  Config c = Config::parse_file(dir.write("empty.toml", ""));
  CHECK(c.values().empty());
  c.validate(test_schema());
  CHECK(c.get_int("train.steps") == 1000);
}

TEST_CASE("file errors") {
  TempDir dir;
  const std::string missing = (dir.path / "nope.toml").string();
  CHECK(error_of([&] { Config::parse_file(missing); }) ==
        "cannot read config file '" + missing + "': No such file or directory");
  CHECK(error_of([&] { Config::parse_file(dir.path.string()); }).rfind("cannot read config file '", 0) == 0);

  const std::string bad = dir.write("bad.toml", "seed = 1\n[train]\nlr = = 2\n");
  const std::string msg = error_of([&] { Config::parse_file(bad); });
  CHECK(msg.rfind(bad + ":3:6: ", 0) == 0);

  const std::string strs = dir.write("strs.toml", "[train]\nlr = [1, \"a\"]\n");
  CHECK(error_of([&] { Config::parse_file(strs); }) == strs + ":2:10: arrays may only hold numbers (got a string)");
  const std::string tables = dir.write("tables.toml", "x = [{a = 1}]\n");
  CHECK(error_of([&] { Config::parse_file(tables); }).rfind(tables + ":1:6: ", 0) == 0);
  CHECK(error_of([] { Config::parse_string("[[x]]\na = 1\n", "a.toml"); }).rfind("a.toml:1:1: ", 0) == 0);
}

TEST_CASE("arrays: ints stay ints, any float makes a float list") {
  Config c = Config::parse_string("a = [1, 2]\nb = [1, 2.5]\nc = []\n", "x.toml");
  CHECK(std::get<std::vector<int64_t>>(c.values().at("a")) == std::vector<int64_t>{1, 2});
  CHECK(std::get<std::vector<double>>(c.values().at("b")) == std::vector<double>{1.0, 2.5});
  CHECK(c.get_int_list("c").empty());
}

TEST_CASE("unknown keys suggest the closest known key") {
  TempDir dir;
  const std::string path = dir.write("exp.toml", "[trian]\nlr = 0.1\n");
  Config c = Config::parse_file(path);
  CHECK(error_of([&] { c.validate(test_schema()); }) ==
        path + ":2:6: unknown key 'trian.lr'; did you mean 'train.lr'?");

  CHECK(error_of([] { validated("zzzzzz = 1\n"); }) == "exp.toml:1:10: unknown key 'zzzzzz'");

  const Schema s = test_schema();
  CHECK(s.suggest("train.learning_rate_deca") == std::vector<std::string>{"train.learning_rate_decay"});
  CHECK(s.suggest("optim.lr") == std::vector<std::string>{"train.lr"});  // right name, wrong section
  CHECK(s.suggest("train.stpes").front() == "train.steps");
  CHECK(s.suggest("completely.unrelated").empty());
  CHECK(s.suggest("a.b").empty());
}

TEST_CASE("type, range and choice errors name file:line:col") {
  CHECK(error_of([] { validated("[train]\nlr = \"abc\"\n"); }) ==
        "exp.toml:2:6: train.lr must be a float (got string \"abc\")");
  CHECK(error_of([] { validated("[train]\nlr = -3\n"); }) == "exp.toml:2:6: train.lr must be >= 0 (got -3)");
  CHECK(error_of([] { validated("[train]\nlr = 1.5\n"); }) == "exp.toml:2:6: train.lr must be <= 1 (got 1.5)");
  CHECK(error_of([] { validated("[train]\nlr = nan\n"); }) == "exp.toml:2:6: train.lr must be >= 0 (got nan)");
  CHECK(error_of([] { validated("[train]\nlr = inf\n"); }) == "exp.toml:2:6: train.lr must be <= 1 (got inf)");
  CHECK(error_of([] { validated("[train]\nsteps = 2.0\n"); }) ==
        "exp.toml:2:9: train.steps must be an int (got float 2.0)");
  CHECK(error_of([] { validated("[train]\nsteps = 0\n"); }) == "exp.toml:2:9: train.steps must be >= 1 (got 0)");
  CHECK(error_of([] { validated("[train]\namp = 1\n"); }) == "exp.toml:2:7: train.amp must be a bool (got int 1)");
  CHECK(error_of([] { validated("[sampler]\nname = \"foo\"\n"); }) ==
        "exp.toml:2:8: sampler.name must be one of: heun, euler (got \"foo\")");
  CHECK(error_of([] { validated("[sampler.restart]\nk = [1, 0, 3]\n"); }) ==
        "exp.toml:2:5: sampler.restart.k[1] must be >= 1 (got 0)");
  CHECK(error_of([] { validated("[sampler.restart]\nk = [1.5]\n"); }) ==
        "exp.toml:2:5: sampler.restart.k must be a list of ints (got list [1.5])");
  CHECK(error_of([] { validated("[sampler]\nsigmas = [1, -2]\n"); }) ==
        "exp.toml:2:10: sampler.sigmas[1] must be >= 0 (got -2)");
  CHECK(error_of([] { validated("seed = 99999999999999999999\n"); }).rfind("exp.toml:1:", 0) == 0);
}

TEST_CASE("ints given for floats are promoted") {
  Config c = validated("[train]\nlr = 0\n[sampler]\nsigmas = [1, 2]\n");
  CHECK(std::holds_alternative<double>(c.values().at("train.lr")));
  CHECK(c.get_float("train.lr") == 0.0);
  CHECK(std::holds_alternative<std::vector<double>>(c.values().at("sampler.sigmas")));
  CHECK(c.get_float_list("sampler.sigmas") == std::vector<double>{1.0, 2.0});
}

TEST_CASE("overrides") {
  TempDir dir;
  Config c = Config::parse_file(dir.write("exp.toml", "seed = 1\n[train]\nlr = 0.5\nsteps = 10\n"));
  c.apply_override("train.lr=3e-4");
  c.apply_override("train.amp = true");
  c.apply_override("sampler.name=euler");  // bare word: not TOML, so a string
  c.apply_override("sampler.restart.k=[4, 5]");
  c.apply_override("sampler.sigmas=[1, 0.25]");
  c.apply_override("seed=\"x\"");
  c.apply_override("seed=42");  // the last override wins
  c.validate(test_schema());
  CHECK(c.get_float("train.lr") == 3e-4);
  CHECK(c.get_bool("train.amp"));
  CHECK(c.get_string("sampler.name") == "euler");
  CHECK(c.get_int_list("sampler.restart.k") == std::vector<int64_t>{4, 5});
  CHECK(c.get_float_list("sampler.sigmas") == std::vector<double>{1.0, 0.25});
  CHECK(c.get_int("seed") == 42);
  CHECK(c.get_int("train.steps") == 10);  // file beats default
  CHECK(c.where("train.lr").file == "--set");
  CHECK(c.where("train.lr").line == 0);
  CHECK(c.where("train.lr").str() == "--set");

  Config q;
  q.apply_override("sampler.name=\"heun\"");
  q.apply_override("x=");
  q.apply_override("run=2024-01-01");  // dates are not config values: keep the text
  CHECK(q.peek_string("sampler.name") == "heun");
  CHECK(q.peek_string("x") == "");
  CHECK(q.peek_string("run") == "2024-01-01");

  CHECK(error_of([&] { q.apply_override("train.lr"); }) == "--set 'train.lr': expected key=value");
  CHECK(error_of([&] { q.apply_override("=3"); }) == "--set '=3': expected key=value");
  CHECK(error_of([&] { q.apply_override("train lr=3"); }).rfind("--set 'train lr=3': invalid key", 0) == 0);
  CHECK(error_of([&] { q.apply_override("a=[1, \"b\"]"); }).rfind("--set 'a=[1, \"b\"]': ", 0) == 0);

  Config r;
  r.apply_override("train.lr=-1");
  CHECK(error_of([&] { r.validate(test_schema()); }) == "--set train.lr: train.lr must be >= 0 (got -1)");
  Config u;
  u.apply_override("train.lrr=1");
  CHECK(error_of([&] { u.validate(test_schema()); }) ==
        "--set train.lrr: unknown key 'train.lrr'; did you mean 'train.lr'?");
}

TEST_CASE("getters and peek_string") {
  Config c = Config::parse_string("domain = \"toy2d\"\nseed = 3\n", "exp.toml");
  CHECK(c.peek_string("domain") == "toy2d");
  CHECK(!c.peek_string("seed"));
  CHECK(!c.peek_string("missing"));
  CHECK(c.has("seed"));
  CHECK(!c.has("missing"));
  CHECK(c.get_float("seed") == 3.0);
  CHECK(error_of([&] { c.get_int("missing"); }) == "config key 'missing' is not set");
  CHECK(error_of([&] { c.get_int("domain"); }) == "config key 'domain' is a string, not an int");
  CHECK(error_of([&] { c.get_string("seed"); }) == "config key 'seed' is an int, not a string");
  CHECK(error_of([&] { c.get_float_list("seed"); }) == "config key 'seed' is an int, not a float_list");
}

TEST_CASE("to_toml round-trips") {
  Config c = validated("seed = 5\n[train]\nlr = 0.1\n");
  c.apply_override("sampler.name=euler");
  c.apply_override("sampler.sigmas=[0.30000000000000004, 1e-300, 1e300, -0.0, 7]");
  c.apply_override("train.learning_rate_decay=123456789.125");
  c.validate(test_schema());
  const std::string text = c.to_toml();

  CHECK(text.rfind("seed = 5  # exp.toml:1:8\n", 0) == 0);  // top-level keys come first
  CHECK(text.find("[sampler.restart]\nk = [1, 2]  # default\n") != std::string::npos);
  CHECK(text.find("lr = 0.1  # exp.toml:3:6\n") != std::string::npos);
  CHECK(text.find("name = \"euler\"  # --set\n") != std::string::npos);
  CHECK(text.find("amp = false  # default\n") != std::string::npos);
  CHECK(text.find("[sampler]") < text.find("[sampler.restart]"));
  CHECK(text.find("[sampler.restart]") < text.find("[train]"));

  Config back = Config::parse_string(text, "resolved.toml");
  back.validate(test_schema());
  CHECK(back.values() == c.values());
  CHECK(std::signbit(back.get_float_list("sampler.sigmas")[3]));
}

TEST_CASE("value_to_toml") {
  CHECK(disco::value_to_toml(Value{1.0}) == "1.0");
  CHECK(disco::value_to_toml(Value{1e-3}) == "0.001");
  CHECK(disco::value_to_toml(Value{int64_t{-4}}) == "-4");
  CHECK(disco::value_to_toml(Value{std::string("a\"b\\c\n\x01")}) == "\"a\\\"b\\\\c\\n\\u0001\"");
  CHECK(disco::value_to_toml(Value{std::vector<double>{1.0, 2.5}}) == "[1.0, 2.5]");
  CHECK(disco::value_to_toml(Value{std::vector<int64_t>{}}) == "[]");
  CHECK(disco::value_to_toml(Value{-HUGE_VAL}) == "-inf");
  CHECK(std::string(disco::value_type_name(ValueType::kFloatList)) == "float_list");

  // Odd strings survive a trip through TOML.
  Config c;
  c.apply_override("s=\"tab\\there \\\"q\\\" \\\\ \\u00e9\"");
  Config back = Config::parse_string(c.to_toml(), "x");
  CHECK(back.get_string("s") == "tab\there \"q\" \\ \xc3\xa9");
}

TEST_CASE("schema parse") {
  const Schema s = test_schema();
  REQUIRE(s.find("train.lr") != nullptr);
  const disco::KeySpec& lr = *s.find("train.lr");
  CHECK(lr.type == ValueType::kFloat);
  CHECK(std::get<double>(lr.default_value) == 1e-3);
  CHECK(lr.min == 0.0);
  CHECK(lr.max == 1.0);
  CHECK(lr.doc == "Adam learning rate (App. F.2).");
  CHECK(std::get<double>(s.find("train.learning_rate_decay")->default_value) == 1.0);
  CHECK(s.find("sampler.name")->choices == std::vector<std::string>{"heun", "euler"});
  CHECK(s.find("sampler.restart.k")->type == ValueType::kIntList);
  CHECK(s.find("train") == nullptr);
  CHECK(s.keys().size() == 8);

  TempDir dir;
  const std::string path = dir.write("schema.toml", "[a.b]\ntype = \"bool\"\ndefault = true\n");
  CHECK(Schema::load_file(path).find("a.b") != nullptr);
  CHECK(error_of([&] { Schema::load_file((dir.path / "none.toml").string()); })
            .rfind("cannot read schema file '", 0) == 0);
}

TEST_CASE("schema self-validation") {
  auto err = [](const std::string& text) { return error_of([&] { Schema::parse(text, "s.toml"); }); };
  CHECK(err("[a]\ntype = \"flaot\"\ndefault = 1\n") ==
        "s.toml:2:8: a: unknown type 'flaot' (expected int, float, bool, string, int_list, float_list)");
  CHECK(err("[a]\ntype = \"float\"\n") == "s.toml:1:1: a: missing default");
  CHECK(err("[a]\ntype = \"int\"\ndefault = 1.5\n") == "s.toml:3:11: invalid default: a must be an int (got float 1.5)");
  CHECK(err("[a]\ntype = \"int\"\ndefault = 5\nmax = 3\n") == "s.toml:3:11: invalid default: a must be <= 3 (got 5)");
  CHECK(err("[a]\ntype = \"string\"\ndefault = \"x\"\nchoices = [\"y\", \"z\"]\n") ==
        "s.toml:3:11: invalid default: a must be one of: y, z (got \"x\")");
  CHECK(err("[a]\ntype = \"string\"\ndefualt = \"x\"\n").rfind("s.toml:3:11: a: unknown field 'defualt'", 0) == 0);
  CHECK(err("[a]\ntype = \"int\"\ndefault = 1\nchoices = [\"q\"]\n").rfind("s.toml:4:11: ", 0) == 0);
  CHECK(err("[a]\ntype = \"int\"\ndefault = 1\nmin = 2\nmax = 1\n").rfind("s.toml:5:7: ", 0) == 0);
  CHECK(err("a = 3\n") == "s.toml:1:5: 'a' must be a table with a 'type' field");
  CHECK(err("[a]\ntype = \"float_list\"\ndefault = [1, \"x\"]\n").rfind("s.toml:3:15: ", 0) == 0);
  CHECK(err("[a\n").rfind("s.toml:1:", 0) == 0);
}

TEST_CASE("schema merge") {
  Schema core = test_schema();
  core.merge(Schema::parse("[toy2d.width]\ntype = \"int\"\ndefault = 64\n", "plugin toy2d"));
  CHECK(core.find("toy2d.width") != nullptr);
  CHECK(core.find("train.lr") != nullptr);

  const std::string msg =
      error_of([&] { core.merge(Schema::parse("[train.lr]\ntype = \"float\"\ndefault = 0.5\n", "plugin x")); });
  CHECK(msg == "key 'train.lr' declared in both core.toml and plugin x");
  CHECK(std::get<double>(core.find("train.lr")->default_value) == 1e-3);  // unchanged by the failed merge

  CHECK(!error_of([&] { core.merge(Schema::parse("[seed.x]\ntype = \"int\"\ndefault = 1\n", "p")); }).empty());
}

TEST_CASE("explain") {
  const Schema s = test_schema();
  const std::string md = s.explain(true);
  CHECK(md.rfind("| key | type | default | allowed | description |\n|---|---|---|---|---|\n", 0) == 0);
  for (const disco::KeySpec& k : s.keys()) CHECK(md.find("| `" + k.key + "` |") != std::string::npos);
  CHECK(md.find("| `train.lr` | float | `0.001` | [0, 1] | Adam learning rate (App. F.2). |\n") != std::string::npos);
  CHECK(md.find("| `sampler.name` | string | `\"heun\"` | {heun, euler} |") != std::string::npos);
  CHECK(md.find("| `sampler.name`") < md.find("| `seed`"));  // sorted by key
  CHECK(std::count(md.begin(), md.end(), '\n') == static_cast<long>(s.keys().size() + 2));

  const std::string text = s.explain(false);
  CHECK(text.find("[train]\n") != std::string::npos);
  CHECK(text.find("train.lr") < text.find("train.steps"));
  CHECK(text.find("default 0.001") != std::string::npos);
  CHECK(text.find("Adam learning rate (App. F.2).") != std::string::npos);
  CHECK(text.rfind("  seed ", 0) == 0);  // top-level keys first
  CHECK(text == s.explain(false));
}
