// Decoding one PNG/JPEG file into the square image the model sees: the centre square, resized to the
// configured resolution. Shared by the in-memory folder loader and the streaming one.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace disco::image {

// Longer side over shorter side beyond which an image is refused: its centre square would keep under 1/16 of it.
constexpr int kMaxAspectRatio = 16;

// `path` -> [C, R, R] uint8 (C = 1 with `grayscale`, else 3; R = `resolution`), or an undefined tensor with the
// reason in `why` when the file cannot be decoded or is too elongated. Thread-safe.
at::Tensor decode_image(const std::string& path, int64_t resolution, bool grayscale, std::string& why);

// Whether `path` has a PNG or JPEG extension (any case).
bool is_image_file(const std::string& path);

}  // namespace disco::image
