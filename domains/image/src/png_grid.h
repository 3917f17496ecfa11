// PNG output of image samples: a grid of images with a 2-pixel gutter, or a folder with one PNG per image,
// written atomically (disco/png.h).
#pragma once
#include <ATen/core/Tensor.h>

#include <string>

namespace disco::image {

// images [N, C, R, R] floats in [-1, 1] -> uint8 [N, R, R, C] (HWC, as PNG files and numpy expect): x -> round
// (127.5 (x + 1)), clamped to [0, 255]. The one conversion of every image disco writes (grids, folders, .npz).
at::Tensor to_uint8_nhwc(const at::Tensor& images);
// images [N, C, R, R] floats in [-1, 1] (C = 1 or 3) -> [H, W, C] uint8, `columns` images per row, rows
// filled left to right; the gutter and any empty cells are mid grey.
at::Tensor make_grid(const at::Tensor& images, int64_t columns, int64_t gutter = 2);
// pixels [H, W, C] uint8 (C = 1 grey, 3 RGB) -> PNG at `path` (temp file + rename). Throws RuntimeError.
void write_png(const std::string& path, const at::Tensor& pixels);
// pixels [N, H, W, C] uint8 -> `dir`/000000.png, 000001.png, ... (EDM's naming: the index, 6 digits). The files
// are written into a temp folder that is then renamed to `dir`, replacing what was there: `dir` never holds a
// half-written file or images of an earlier, larger call. Throws RuntimeError naming the path.
void write_png_files(const std::string& dir, const at::Tensor& pixels);

}  // namespace disco::image
