#include "png_grid.h"

#include <ATen/ATen.h>
#include <png.h>

#include <cstdio>
#include <vector>

#include "disco/atomic_file.h"
#include "disco/error.h"

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
  write_atomically(path, [&](const std::string& tmp) {
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw RuntimeError(tmp + ": cannot open for writing");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info || setjmp(png_jmpbuf(png))) {
      png_destroy_write_struct(&png, &info);
      std::fclose(f);
      throw RuntimeError(tmp + ": libpng failed to write the image");
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, png_uint_32(w), png_uint_32(h), 8, c == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    const uint8_t* data = pixels.data_ptr<uint8_t>();
    for (int64_t y = 0; y < h; ++y) png_write_row(png, const_cast<png_bytep>(data + y * w * c));
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    if (std::fclose(f) != 0) throw RuntimeError(tmp + ": write failed");
  });
}

}  // namespace disco::image
