// PNG encoding of 8-bit pixels: disco's one libpng writer, for plots (disco/plot.h) and image grids alike.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace disco {

// `pixels` holds `height` rows of `width` * `channels` bytes, top row first; channels is 1 (grey) or 3 (RGB).
// Throws RuntimeError with libpng's reason when encoding fails, std::invalid_argument for bad sizes.
std::vector<uint8_t> encode_png(const uint8_t* pixels, int width, int height, int channels);

// Encodes and writes `path` through a temp file and a rename (disco/atomic_file.h). Throws RuntimeError
// naming the path when it cannot be written.
void write_png(const std::string& path, const uint8_t* pixels, int width, int height, int channels);

}  // namespace disco
