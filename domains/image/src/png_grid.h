// PNG output of image samples: a grid of images with a 2-pixel gutter, written atomically (disco/png.h).
#pragma once
#include <ATen/core/Tensor.h>

#include <string>

namespace disco::image {

// images [N, C, R, R] floats in [-1, 1] (C = 1 or 3) -> [H, W, C] uint8, `columns` images per row, rows
// filled left to right; the gutter and any empty cells are mid grey.
at::Tensor make_grid(const at::Tensor& images, int64_t columns, int64_t gutter = 2);
// pixels [H, W, C] uint8 (C = 1 grey, 3 RGB) -> PNG at `path` (temp file + rename). Throws RuntimeError.
void write_png(const std::string& path, const at::Tensor& pixels);

}  // namespace disco::image
