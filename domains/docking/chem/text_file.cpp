#include "text_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "disco/error.h"
#include "disco/read_file.h"

namespace disco::docking {

void check_text(const std::string& text, const std::string& name, const std::string& what) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw DataError(name + ": empty file");
  // Text formats hold printable ASCII (and UTF-8 in comments); a NUL or a run of control characters means
  // binary data, e.g. a gzip file or an image given by mistake.
  const size_t limit = std::min<size_t>(text.size(), 1 << 16);
  for (size_t i = 0; i < limit; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0 || (c < 32 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v'))
      throw DataError(name + ": binary data at byte " + std::to_string(i) + ", not a text " + what + " file");
  }
}

std::string read_text_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw DataError(path + ": is a directory, not a " + what + " file");
  std::string why;
  auto text = read_file_if_possible(path, &why);
  if (!text) throw DataError(path + ": cannot open (" + why + ")");
  check_text(*text, path, what);
  return *text;
}

std::string extension_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext;
}

std::string file_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace disco::docking
