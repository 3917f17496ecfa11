#include "png_grid.h"

#include <ATen/ATen.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "disco/error.h"
#include "disco/png.h"

namespace fs = std::filesystem;

namespace disco::image {

at::Tensor to_uint8_nhwc(const at::Tensor& images) {
  return images.to(at::kCPU).to(at::kFloat).add(1.0).mul(127.5).round().clamp(0, 255).to(at::kByte)
      .permute({0, 2, 3, 1}).contiguous();
}

at::Tensor make_grid(const at::Tensor& images, int64_t columns, int64_t gutter) {
  const int64_t n = images.size(0), c = images.size(1), r = images.size(2);
  columns = std::max<int64_t>(1, std::min(columns, n));
  const int64_t rows = (n + columns - 1) / columns;
  const int64_t height = rows * r + (rows + 1) * gutter, width = columns * r + (columns + 1) * gutter;
  auto grid = at::full({height, width, c}, 128, at::kByte);
  auto u8 = to_uint8_nhwc(images);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t y = gutter + (i / columns) * (r + gutter), x = gutter + (i % columns) * (r + gutter);
    grid.narrow(0, y, r).narrow(1, x, r).copy_(u8[i]);
  }
  return grid;
}

void write_png(const std::string& path, const at::Tensor& pixels_in) {
  auto pixels = pixels_in.to(at::kCPU).to(at::kByte).contiguous();
  const int64_t h = pixels.size(0), w = pixels.size(1), c = pixels.size(2);
  if (c != 1 && c != 3) throw RuntimeError(path + ": PNG needs 1 or 3 channels (got " + std::to_string(c) + ")");
  ::disco::write_png(path, pixels.data_ptr<uint8_t>(), int(w), int(h), int(c));
}

void write_png_files(const std::string& dir_in, const at::Tensor& pixels_in) {
  const fs::path dir = fs::path(dir_in).lexically_normal();
  const std::string tag = ".tmp." + std::to_string(::getpid());
  const fs::path tmp = dir.string() + tag, old = dir.string() + ".old" + tag;
  auto fail = [&](const std::string& what, const std::string& why) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    return RuntimeError("cannot write '" + what + "': " + why);
  };
  const auto pixels = pixels_in.to(at::kCPU).to(at::kByte).contiguous();
  const int64_t n = pixels.size(0), h = pixels.size(1), w = pixels.size(2), c = pixels.size(3);
  if (c != 1 && c != 3) throw RuntimeError(dir.string() + ": PNG needs 1 or 3 channels (got " + std::to_string(c) + ")");
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) throw fail(dir.string(), ec.message());
  for (int64_t i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%06lld.png", static_cast<long long>(i));
    const std::vector<uint8_t> png = encode_png(pixels[i].data_ptr<uint8_t>(), int(w), int(h), int(c));
    // Plain writes: the folder becomes visible only by the rename below, after one syncfs for all files.
    errno = 0;
    std::ofstream f(tmp / name, std::ios::binary | std::ios::trunc);
    if (f) f.write(reinterpret_cast<const char*>(png.data()), std::streamsize(png.size()));
    if (f) f.flush();
    if (!f) throw fail((dir / name).string(), errno ? std::strerror(errno) : "write failed");
  }
  if (int fd = ::open(tmp.c_str(), O_RDONLY | O_DIRECTORY); fd >= 0) {
    const int rc = ::syncfs(fd);
    const int e = errno;
    ::close(fd);
    if (rc != 0) throw fail(dir.string(), std::string("syncfs failed: ") + std::strerror(e));
  }
  // Swap: the previous folder (if any) moves aside, the new one takes its name, the previous one goes.
  const bool had_old = fs::exists(fs::symlink_status(dir));
  if (had_old && std::rename(dir.c_str(), old.c_str()) != 0) throw fail(dir.string(), std::strerror(errno));
  if (std::rename(tmp.c_str(), dir.c_str()) != 0) {
    const int e = errno;
    if (had_old) std::rename(old.c_str(), dir.c_str());
    throw fail(dir.string(), std::strerror(e));
  }
  if (had_old) fs::remove_all(old, ec);
}

}  // namespace disco::image
