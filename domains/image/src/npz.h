// NumPy .npz output: a zip archive of .npy arrays (format 1.0), stored uncompressed with CRC-32, which
// `numpy.load` reads (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html). Written so that
// external FID/FD tools can score disco's samples: ADM's evaluator (Dhariwal & Nichol 2021) reads the uint8
// images from the key "arr_0".
#pragma once
#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

namespace disco::image {

// The .npy bytes of one tensor: the magic, a header dict padded to a multiple of 64 bytes, then the data in C
// order, little-endian. Supported dtypes: uint8 ('|u1'), int64 ('<i8'), float32 ('<f4'), float64 ('<f8').
std::string npy_bytes(const at::Tensor& tensor);

// Writes `path` (temp file + rename: a reader never sees half an archive) holding one NAME.npy per entry, in
// order. Throws RuntimeError naming the path when it cannot be written, or when the archive would pass 4 GiB
// (that needs ZIP64, which this writer does not do: write fewer samples per file, or use the PNG folder).
void write_npz(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& arrays);

}  // namespace disco::image
