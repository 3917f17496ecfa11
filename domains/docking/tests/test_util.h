// Shared helpers of the docking tests.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "geometry.h"

namespace docking_test {

inline std::string test_data(const std::string& rel) { return std::string(DISCO_DOCKING_TEST_DATA) + "/" + rel; }
inline std::string complexes_dir() { return test_data("docking/complexes"); }

// ../shared/data (or $DISCO_SHARED_DATA); empty when absent.
inline std::string shared_data() {
  const char* env = std::getenv("DISCO_SHARED_DATA");
  std::string dir = env ? env : std::string(DISCO_DOCKING_TEST_DATA) + "/../../../shared/data";
  std::error_code ec;
  return std::filesystem::is_directory(dir + "/astex", ec) ? dir : "";
}

// A fresh temporary folder, removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("disco-docking-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline disco::docking::Vec3 random_unit(std::mt19937_64& rng) {
  std::normal_distribution<double> n;
  disco::docking::Vec3 v{n(rng), n(rng), n(rng)};
  return v / disco::docking::norm(v);
}

}  // namespace docking_test
