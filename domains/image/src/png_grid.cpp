#include "png_grid.h"

#include <ATen/ATen.h>

#include "disco/error.h"
#include "disco/png.h"

namespace disco::image {

at::Tensor make_grid(const at::Tensor& images, int64_t columns, int64_t gutter) {
  const int64_t n = images.size(0), c = images.size(1), r = images.size(2);
  columns = std::max<int64_t>(1, std::min(columns, n));
  const int64_t rows = (n + columns - 1) / columns;
  const int64_t height = rows * r + (rows + 1) * gutter, width = columns * r + (columns + 1) * gutter;
  auto grid = at::full({c, height, width}, 128, at::kByte);
  auto u8 = images.to(at::kCPU).to(at::kFloat).add(1.0).mul(127.5).round().clamp(0, 255).to(at::kByte);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t y = gutter + (i / columns) * (r + gutter), x = gutter + (i % columns) * (r + gutter);
    grid.narrow(1, y, r).narrow(2, x, r).copy_(u8[i]);
  }
  return grid.permute({1, 2, 0}).contiguous();
}

void write_png(const std::string& path, const at::Tensor& pixels_in) {
  auto pixels = pixels_in.to(at::kCPU).to(at::kByte).contiguous();
  const int64_t h = pixels.size(0), w = pixels.size(1), c = pixels.size(2);
  if (c != 1 && c != 3) throw RuntimeError(path + ": PNG needs 1 or 3 channels (got " + std::to_string(c) + ")");
  ::disco::write_png(path, pixels.data_ptr<uint8_t>(), int(w), int(h), int(c));
}

}  // namespace disco::image
