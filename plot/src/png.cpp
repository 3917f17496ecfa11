#include "disco/png.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <stdexcept>

#include "disco/atomic_file.h"
#include "disco/error.h"

namespace disco {

namespace {

// libpng reports errors through longjmp: the function that calls setjmp holds only trivially destructible
// locals, so the jump cannot skip a destructor, and the message travels in this buffer.
struct PngError {
  char message[256];
};

void on_error(png_structp png, png_const_charp message) {
  auto* error = static_cast<PngError*>(png_get_error_ptr(png));
  std::snprintf(error->message, sizeof error->message, "%s", message);
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}

void append_to_vector(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}
void flush_nothing(png_structp) {}

bool encode(std::vector<uint8_t>* bytes, const uint8_t* pixels, int width, int height, int channels,
            PngError* error) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, error, on_error, on_warning);
  if (!png) {
    std::snprintf(error->message, sizeof error->message, "out of memory");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    std::snprintf(error->message, sizeof error->message, "out of memory");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, bytes, append_to_vector, flush_nothing);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
               channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  const size_t row_bytes = static_cast<size_t>(width) * static_cast<size_t>(channels);
  for (int y = 0; y < height; ++y) png_write_row(png, pixels + static_cast<size_t>(y) * row_bytes);
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

std::vector<uint8_t> encode_png(const uint8_t* pixels, int width, int height, int channels) {
  if (width <= 0 || height <= 0 || (channels != 1 && channels != 3))
    throw std::invalid_argument("encode_png: " + std::to_string(width) + "x" + std::to_string(height) + " pixels with " +
                                std::to_string(channels) + " channels (need positive sizes and 1 or 3 channels)");
  std::vector<uint8_t> bytes;
  PngError error{};
  if (!encode(&bytes, pixels, width, height, channels, &error))
    throw RuntimeError(std::string("cannot encode PNG: ") + error.message);
  return bytes;
}

void write_png(const std::string& path, const uint8_t* pixels, int width, int height, int channels) {
  const std::vector<uint8_t> bytes = encode_png(pixels, width, height, channels);
  write_text_atomically(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace disco
