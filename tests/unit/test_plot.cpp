#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "disco/error.h"
#include "disco/plot.h"

namespace fs = std::filesystem;
using namespace disco::plot;

namespace {

struct Image {
  int w = 0, h = 0;
  std::vector<uint8_t> rgb;
  Color at(int x, int y) const {
    const size_t i = (static_cast<size_t>(y) * static_cast<size_t>(w) + static_cast<size_t>(x)) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
  size_t count(Color c) const {
    size_t n = 0;
    for (size_t i = 0; i + 2 < rgb.size(); i += 3) n += rgb[i] == c.r && rgb[i + 1] == c.g && rgb[i + 2] == c.b;
    return n;
  }
  // Pixels of colour c inside columns [x0, x1).
  size_t count_in(Color c, int x0, int x1) const {
    size_t n = 0;
    for (int y = 0; y < h; ++y)
      for (int x = x0; x < x1; ++x) {
        const Color p = at(x, y);
        n += p.r == c.r && p.g == c.g && p.b == c.b;
      }
    return n;
  }
};

Image render(const Figure& fig) {
  Image img;
  img.rgb = render_rgb(fig, img.w, img.h);
  return img;
}

bool is_white(Color c) { return c.r == 255 && c.g == 255 && c.b == 255; }

// Scatter + line + log axis over two panels: the shape the toy2d report uses.
Figure sample_figure() {
  Figure fig;
  Axes scatter_ax;
  scatter_ax.title = "samples";
  scatter_ax.xlabel = "x";
  scatter_ax.ylabel = "y";
  Series pts;
  pts.label = "points";
  pts.color = palette(3);
  pts.marker_size = 3;
  for (int i = 0; i < 50; ++i) pts.x.push_back(std::cos(i * 0.3) * i), pts.y.push_back(std::sin(i * 0.3) * i);
  scatter_ax.series.push_back(pts);

  Axes line_ax;
  line_ax.title = "loss";
  line_ax.xlabel = "step";
  line_ax.ylabel = "loss";
  line_ax.log_y = true;
  Series loss;
  loss.label = "train";
  loss.line = true;
  loss.color = palette(1);
  for (int i = 1; i <= 100; ++i) loss.x.push_back(i), loss.y.push_back(100.0 / i);
  line_ax.series.push_back(loss);
  fig.panels = {scatter_ax, line_ax};
  return fig;
}

fs::path temp_dir() {
  const fs::path dir = fs::temp_directory_path() / ("disco_test_plot_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("palette cycles through ten distinct colours, grey for negative") {
  for (int i = 0; i < 10; ++i)
    for (int j = i + 1; j < 10; ++j) {
      const Color a = palette(i), b = palette(j);
      CHECK_FALSE((a.r == b.r && a.g == b.g && a.b == b.b));
    }
  CHECK(palette(12).r == palette(2).r);
  CHECK(palette(-1).r == kGrey.r);
}

TEST_CASE("render_rgb draws scatter, line and log axis") {
  const Figure fig = sample_figure();
  const Image img = render(fig);
  CHECK(img.w == 2 * fig.panel_width);
  CHECK(img.h == fig.panel_height);
  REQUIRE(img.rgb.size() == static_cast<size_t>(img.w) * static_cast<size_t>(img.h) * 3);
  CHECK(is_white(img.at(0, 0)));
  CHECK(is_white(img.at(img.w - 1, 0)));
  CHECK(is_white(img.at(0, img.h - 1)));
  CHECK(is_white(img.at(img.w - 1, img.h - 1)));
  // Markers in the left panel, the line in the right one, each in its own colour.
  CHECK(img.count_in(palette(3), 0, fig.panel_width) > 200);
  CHECK(img.count_in(palette(3), fig.panel_width, img.w) == 0);
  CHECK(img.count_in(palette(1), fig.panel_width, img.w) > 200);
  // Text, ticks and frame are dark.
  CHECK(img.count(Color{0, 0, 0}) > 500);
}

TEST_CASE("category colours points; alpha blends") {
  Figure fig;
  Axes ax;
  Series s;
  s.x = {0, 1, 2};
  s.y = {0, 1, 2};
  s.category = {2, -1, 4};
  s.marker_size = 4;
  ax.series.push_back(s);
  fig.panels = {ax};
  Image img = render(fig);
  CHECK(img.count(palette(2)) > 10);
  CHECK(img.count(kGrey) > 10);
  CHECK(img.count(palette(4)) > 10);
  CHECK(img.count(s.color) < 5);  // unlabelled: no legend swatch either

  fig.panels[0].series[0].category.clear();
  fig.panels[0].series[0].alpha = 0.5;
  img = render(fig);
  CHECK(img.count(s.color) == 0);  // blended with white, never the pure colour
}

TEST_CASE("degenerate inputs render without throwing") {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  Figure fig;
  CHECK_NOTHROW(render(fig));  // no panels: one blank panel

  Axes empty;
  empty.series.emplace_back();  // empty series
  Axes single;
  Series one;
  one.x = {3}, one.y = {3};
  one.label = "one";
  single.series.push_back(one);
  Axes bad;
  bad.log_x = bad.log_y = true;
  Series junk;
  junk.line = true;
  junk.x = {nan, -1, 0, 1, inf, 2, 3};
  junk.y = {1, 1, 1, nan, 5, 1e-300, 1e300};
  junk.label = std::string("ctrl\x01\xff chars");
  bad.series.push_back(junk);
  Axes flat;
  flat.equal_aspect = true;
  flat.xlim = std::make_pair(2.0, 2.0);
  flat.ylim = std::make_pair(5.0, -5.0);
  Series far;
  far.x = {-1e300, 1e300}, far.y = {1e300, -1e300};
  far.line = true;
  flat.series.push_back(far);
  Axes mismatched;
  Series m;
  m.x = {1, 2, 3}, m.y = {1};
  mismatched.series.push_back(m);
  fig.panels = {empty, single, bad, flat, mismatched};
  Image img;
  CHECK_NOTHROW(img = render(fig));
  CHECK(img.w == 5 * fig.panel_width);
  CHECK(img.count(one.color) > 0);  // the single point is visible

  Figure tiny;
  tiny.panel_width = 20, tiny.panel_height = 15;
  tiny.panels = {single};
  CHECK_NOTHROW(render(tiny));
  tiny.panel_width = 0;
  CHECK_THROWS_AS(render(tiny), std::invalid_argument);
}

TEST_CASE("save_png writes a PNG atomically") {
  const fs::path dir = temp_dir();
  const std::string path = (dir / "plot.png").string();
  save_png(sample_figure(), path);
  REQUIRE(fs::exists(path));
  CHECK_FALSE(fs::exists(path + ".tmp"));
  CHECK(fs::file_size(path) > 1000);
  std::ifstream in(path, std::ios::binary);
  const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  REQUIRE(bytes.size() > 24);
  for (int i = 0; i < 8; ++i) CHECK(bytes[static_cast<size_t>(i)] == signature[i]);
  // IHDR width and height (big-endian) follow the signature and chunk header.
  auto be32 = [&](size_t o) {
    return (uint32_t{bytes[o]} << 24) | (uint32_t{bytes[o + 1]} << 16) | (uint32_t{bytes[o + 2]} << 8) | bytes[o + 3];
  };
  CHECK(be32(16) == 960);
  CHECK(be32(20) == 420);
  fs::remove_all(dir);
}

TEST_CASE("save_png to an unwritable place throws RuntimeError naming the path") {
  const std::string path = "/nonexistent_disco_dir/sub/plot.png";
  try {
    save_png(sample_figure(), path);
    FAIL("expected RuntimeError");
  } catch (const disco::RuntimeError& e) {
    CHECK(std::string(e.what()).find(path) != std::string::npos);
    CHECK(e.exit_code() == disco::kExitRuntime);
  }
}
