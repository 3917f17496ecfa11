// IDX files (the MNIST / Fashion-MNIST format), read directly from .gz through zlib (a plain file reads too).
// Layout: magic 0x00 0x00 <type> <ndims>, then ndims big-endian uint32 sizes, then the data, row-major.
// Only type 0x08 (unsigned byte) is supported: what image and label files use.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace disco::image {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;  // product(dims) bytes
};

// Throws DataError naming the file for a missing/unreadable file, a bad magic number, an unsupported type,
// or a file shorter than its header says.
IdxArray read_idx(const std::string& path);

}  // namespace disco::image
