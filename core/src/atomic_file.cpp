#include "disco/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "disco/error.h"

namespace disco {

namespace {
void fsync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;  // best effort for directories on filesystems that refuse it
  ::fsync(fd);
  ::close(fd);
}
}  // namespace

void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    write(tmp);
    int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd < 0) throw RuntimeError("cannot write '" + path + "': " + std::strerror(errno));
    if (::fsync(fd) != 0) {
      int e = errno;
      ::close(fd);
      throw RuntimeError("cannot write '" + path + "': fsync failed: " + std::strerror(e));
    }
    ::close(fd);
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      throw RuntimeError("cannot write '" + path + "': rename failed: " + std::strerror(errno));
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  auto dir = std::filesystem::path(path).parent_path();
  fsync_path(dir.empty() ? "." : dir.string(), true);
}

void write_text_atomically(const std::string& path, const std::string& text) {
  write_atomically(path, [&](const std::string& tmp) {
    errno = 0;
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (f) f.write(text.data(), std::streamsize(text.size()));
    if (f) f.flush();
    if (!f) throw RuntimeError("cannot write '" + path + "': " + (errno ? std::strerror(errno) : "write failed"));
  });
}

}  // namespace disco
