// Minimal PNG plotting (scatter + polylines, linear/log axes, legend) for run reports and figures.
//
// Deliberately tiny: libpng for output (disco/png.h), stb_easy_font for text, no other plotting dependency.
// It is its own library, disco_plot, linked by what plots (the CLI, toy2d, the template), not by the core.
// Rendering is deterministic (no anti-aliasing), which keeps pixel-level tests stable.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace disco::plot {

struct Color {
  uint8_t r = 0, g = 0, b = 0;
};

// Ten distinguishable colours (matplotlib's tab10), cycling; negative i gives grey.
Color palette(int i);
inline constexpr Color kGrey{127, 127, 127};

struct Series {
  std::string label;  // empty: no legend entry
  std::vector<double> x, y;  // same length; points with a NaN/inf coordinate are skipped (and break lines)
  Color color{31, 119, 180};  // palette(0)
  bool line = false;         // polyline through the points (in order) instead of markers
  double marker_size = 2.0;  // marker radius in pixels
  double alpha = 1.0;        // marker opacity, blended over what is already drawn
  double line_width = 1.5;   // polyline width in pixels (drawn as 1 or 2 px)
  // Optional per-point colour: palette(category[i]), or grey for -1. Overrides `color` for markers.
  std::vector<int> category;
};

struct Axes {
  std::string title, xlabel, ylabel;
  bool log_x = false, log_y = false;  // non-positive values are skipped on a log axis
  std::optional<std::pair<double, double>> xlim, ylim;  // data units; default: data range + 5% padding
  bool equal_aspect = false;  // same data units per pixel on both axes (linear axes only)
  std::vector<Series> series;
  bool legend = true;  // drawn when at least one series has a label
};

struct Figure {
  int panel_width = 480, panel_height = 420;  // pixels per panel
  std::vector<Axes> panels;                   // laid out left to right
};

// Renders to packed 8-bit RGB, row-major, top row first. Throws std::invalid_argument for a
// non-positive or absurd panel size.
std::vector<uint8_t> render_rgb(const Figure& fig, int& width, int& height);

// Renders and writes a PNG atomically (disco/atomic_file.h). Throws disco::RuntimeError naming the path
// when the file cannot be written.
void save_png(const Figure& fig, const std::string& path);

// Renders and returns the PNG file's bytes (for embedding, e.g. in an HTML report).
std::vector<uint8_t> encode_png(const Figure& fig);

}  // namespace disco::plot
