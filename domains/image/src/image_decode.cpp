#include "image_decode.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>

namespace disco::image {

bool is_image_file(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

at::Tensor decode_image(const std::string& path, int64_t resolution, bool grayscale, std::string& why) {
  int w = 0, h = 0, n = 0;
  const int want = grayscale ? 1 : 3;
  unsigned char* pixels = stbi_load(path.c_str(), &w, &h, &n, want);
  if (!pixels) {
    why = stbi_failure_reason() ? stbi_failure_reason() : "cannot decode";
    return {};
  }
  const int side = std::min(w, h);
  if (std::max(w, h) > int64_t(kMaxAspectRatio) * side) {
    stbi_image_free(pixels);
    why = std::to_string(w) + "x" + std::to_string(h) + " pixels: the centre square would keep under 1/" +
          std::to_string(kMaxAspectRatio) + " of the image";
    return {};
  }
  // The centre square first, then its side -> resolution (antialiased bilinear). Cropping before resizing keeps
  // the work and memory to the square: a 1x30000 PNG of a few hundred bytes would otherwise be scaled to
  // 30000*R rows first.
  auto img = at::from_blob(pixels, {h, w, want}, at::kByte)
                 .narrow(0, (h - side) / 2, side)
                 .narrow(1, (w - side) / 2, side)
                 .permute({2, 0, 1})
                 .to(at::kFloat)
                 .unsqueeze(0);
  stbi_image_free(pixels);
  if (side != resolution) img = at::_upsample_bilinear2d_aa(img, {resolution, resolution}, false);
  return img.squeeze(0).round().clamp(0, 255).to(at::kByte).contiguous();
}

}  // namespace disco::image
