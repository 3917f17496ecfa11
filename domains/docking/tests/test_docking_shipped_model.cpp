// Finding and checking the shipped docking model (shipped_model.h): where it is looked for, and that a missing,
// extra or changed file is a one-line error naming it. `disco dock` with it: tests/e2e/test_docking_shipped_model.sh.
#include <cstdlib>
#include <filesystem>

#include "disco/error.h"
#include "sha256.h"
#include "shipped_model.h"
#include "test_util.h"
#include <doctest/doctest.h>

using namespace disco;
using namespace disco::docking;
using namespace docking_test;
namespace fs = std::filesystem;

TEST_CASE("sha256: the standard's examples") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Two blocks, and a message whose padding needs a block of its own.
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  TempDir tmp;
  write_file(tmp.file("abc"), "abc");
  CHECK(sha256_file(tmp.file("abc")) == sha256_hex("abc"));
  CHECK_THROWS_AS(sha256_file(tmp.file("absent")), DataError);
}

TEST_CASE("shipped model: found next to the executable or in $DISCO_MODELS_DIR, checked against SHA256SUMS") {
  TempDir tmp;
  unsetenv("DISCO_MODELS_DIR");
  // Build tree and install alike: <bin>/../share/disco/models.
  const auto path = models_search_path("/opt/disco/bin/disco");
  REQUIRE(path.size() == 1);
  CHECK(path[0] == "/opt/disco/share/disco/models");

  setenv("DISCO_MODELS_DIR", tmp.path.c_str(), 1);
  CHECK(models_search_path("/opt/disco/bin/disco") == std::vector<std::string>{tmp.path.string()});
  // Not there: a usage error that says where it looked.
  try {
    find_shipped_docking_model("/opt/disco/bin/disco");
    FAIL("expected an error");
  } catch (const UsageError& e) {
    CHECK(std::string(e.what()).find(tmp.path.string() + "/" + kShippedDockingModel) != std::string::npos);
  }
  const fs::path dir = tmp.path / kShippedDockingModel;
  fs::create_directories(dir / "checkpoints");
  write_file((dir / "config.toml").string(), "domain = \"docking\"\n");
  auto error_of = [&] {
    try {
      find_shipped_docking_model("/opt/disco/bin/disco");
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of().find("checkpoints: no weights file") != std::string::npos);
  write_file((dir / "checkpoints/ckpt-s3-10.pt").string(), "weights");
  CHECK(error_of().find("SHA256SUMS: missing") != std::string::npos);
  const std::string good = sha256_hex("weights") + "  checkpoints/ckpt-s3-10.pt\n" + sha256_hex("domain = \"docking\"\n") +
                           "  config.toml\n";
  write_file((dir / "SHA256SUMS").string(), good);
  CHECK(find_shipped_docking_model("/opt/disco/bin/disco") == dir.string());
  write_file((dir / "checkpoints/ckpt-s3-10.pt").string(), "weightz");  // one byte changed
  CHECK(error_of().find("ckpt-s3-10.pt: corrupt") != std::string::npos);
  fs::remove(dir / "checkpoints/ckpt-s3-10.pt");
  CHECK(error_of().find("checkpoints: no weights file") != std::string::npos);
  write_file((dir / "checkpoints/ckpt-s3-10.pt").string(), "weights");
  write_file((dir / "checkpoints/ckpt-s3-20.pt").string(), "weights");
  CHECK(error_of().find("2 weights files") != std::string::npos);
  fs::remove(dir / "checkpoints/ckpt-s3-20.pt");
  write_file((dir / "SHA256SUMS").string(), good + "0123  config.toml\n");
  CHECK(error_of().find("SHA256SUMS:3: expected") != std::string::npos);
  write_file((dir / "SHA256SUMS").string(), good);
  CHECK(error_of() == "no error");
  unsetenv("DISCO_MODELS_DIR");
}
