#include "disco/read_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "disco/error.h"

namespace disco {

std::optional<std::string> read_file_if_possible(const std::string& path, std::string* why) {
  auto fail = [&](const std::string& reason) -> std::optional<std::string> {
    if (why) *why = reason;
    return std::nullopt;
  };
  std::error_code ec;
  // An ifstream opens a directory without complaint and then reads nothing.
  if (std::filesystem::is_directory(path, ec)) return fail("is a directory");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(errno ? std::strerror(errno) : "cannot open");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return fail("read error");
  return bytes.str();
}

std::string read_file(const std::string& path) {
  std::string why;
  auto bytes = read_file_if_possible(path, &why);
  if (!bytes) throw DataError("cannot read '" + path + "': " + why);
  return *bytes;
}

}  // namespace disco
