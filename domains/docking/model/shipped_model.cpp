#include "shipped_model.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "disco/error.h"
#include "sha256.h"

namespace fs = std::filesystem;

namespace disco::docking {

std::vector<std::string> models_search_path(const std::string& exe) {
  if (const char* env = std::getenv("DISCO_MODELS_DIR"); env && *env) return {env};
  return {(fs::path(exe).parent_path() / DISCO_MODELS_DIR_FROM_BIN).lexically_normal().string()};
}

namespace {

// Every line of SHA256SUMS ("<64 hex>  <relative path>", as sha256sum writes it) checked against the files.
void verify_sums(const std::string& dir) {
  const std::string sums = dir + "/SHA256SUMS";
  std::ifstream in(sums);
  if (!in) throw DataError(sums + ": missing (the shipped model is incomplete; restore it from the repository)");
  std::string line;
  int listed = 0;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.find(' ');
    std::string file = space == std::string::npos ? "" : line.substr(space + 1);
    if (!file.empty() && (file[0] == ' ' || file[0] == '*')) file.erase(0, 1);  // text or binary mode mark
    if (space != 64 || file.empty() || file.find("..") != std::string::npos || file[0] == '/')
      throw DataError(sums + ":" + std::to_string(number) + ": expected '<sha256>  <file inside the model>'");
    const std::string path = dir + "/" + file;
    if (!fs::exists(path))
      throw DataError(path + ": missing (the shipped model is incomplete; restore it from the repository, or pass --model RUN)");
    if (sha256_file(path) != line.substr(0, 64))
      throw DataError(path + ": corrupt (its SHA-256 differs from " + sums + "); restore it from the repository, or pass --model RUN");
    ++listed;
  }
  if (listed == 0) throw DataError(sums + ": lists no file");
}

}  // namespace

std::string find_shipped_docking_model(const std::string& exe) {
  std::string searched;
  for (const std::string& folder : models_search_path(exe)) {
    const std::string dir = (fs::path(folder) / kShippedDockingModel).string();
    if (!fs::is_directory(dir)) {
      searched += (searched.empty() ? "" : ", ") + dir;
      continue;
    }
    if (!fs::exists(dir + "/config.toml")) throw DataError(dir + "/config.toml: missing (the shipped model is incomplete)");
    std::vector<std::string> checkpoints;  // as disco/checkpoint.h names them (not included: it pulls in LibTorch)
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(dir + "/checkpoints", ec)) {
      const std::string name = f.path().filename().string();
      if (name.rfind("ckpt-", 0) == 0 && f.path().extension() == ".pt") checkpoints.push_back(f.path().string());
    }
    if (checkpoints.empty())
      throw DataError(dir + "/checkpoints: no weights file (the shipped model is incomplete; restore it from the repository, or pass --model RUN)");
    if (checkpoints.size() > 1)
      throw DataError(dir + "/checkpoints: " + std::to_string(checkpoints.size()) + " weights files; a shipped model has one");
    verify_sums(dir);
    return dir;
  }
  throw UsageError("no --model given and no shipped docking model found (looked in " + searched +
                   "; set DISCO_MODELS_DIR to a models folder, or pass --model RUN)");
}

}  // namespace disco::docking
