#include "disco/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "disco/png.h"

// stb_easy_font is header-only with static functions; not all of them are used here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wcast-align"
#include <stb/stb_easy_font.h>
#pragma GCC diagnostic pop

namespace disco::plot {

Color palette(int i) {
  static constexpr Color kTab10[10] = {
      {31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},  {148, 103, 189},
      {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207},
  };
  if (i < 0) return kGrey;
  return kTab10[i % 10];
}

namespace {

constexpr int kMaxPanelSide = 16384;  // guards against absurd allocations
constexpr int kTextScale = 2;         // stb_easy_font glyphs are ~7 px tall; 2x is legible
constexpr int kCapHeight = 7;         // font units, measured from stb_easy_font's digits/capitals
constexpr int kTickLength = 5;
constexpr double kPadFraction = 0.05;
constexpr Color kBlack{0, 0, 0};
constexpr Color kWhite{255, 255, 255};
constexpr Color kGridColor{232, 232, 232};
constexpr Color kFrameColor{60, 60, 60};
constexpr Color kLegendBorder{170, 170, 170};

struct Rect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // half-open: [x0, x1) x [y0, y1)
};

enum class HAlign { kLeft, kCenter, kRight };
enum class VAlign { kTop, kCenter, kBottom };

// stb_easy_font indexes a table by (ch - 32): anything outside printable ASCII becomes '?'.
std::string printable(const std::string& s) {
  std::string out = s;
  for (char& ch : out)
    if (static_cast<unsigned char>(ch) < 32 || static_cast<unsigned char>(ch) > 126) ch = '?';
  return out;
}

int text_width(const std::string& s) {
  if (s.empty()) return 0;
  std::string buf = printable(s);
  return (stb_easy_font_width(buf.data()) - 1) * kTextScale;  // drop the trailing inter-glyph gap
}
constexpr int text_height() { return kCapHeight * kTextScale; }

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), px_(static_cast<size_t>(w) * static_cast<size_t>(h) * 3, 255) {
    reset_clip();
  }
  int width() const { return w_; }
  int height() const { return h_; }
  std::vector<uint8_t> take() { return std::move(px_); }

  void set_clip(Rect r) {
    clip_ = {std::max(r.x0, 0), std::max(r.y0, 0), std::min(r.x1, w_), std::min(r.y1, h_)};
  }
  void reset_clip() { clip_ = {0, 0, w_, h_}; }
  const Rect& clip() const { return clip_; }

  void blend(int x, int y, Color c, double alpha = 1.0) {
    if (x < clip_.x0 || x >= clip_.x1 || y < clip_.y0 || y >= clip_.y1) return;
    uint8_t* p = &px_[(static_cast<size_t>(y) * static_cast<size_t>(w_) + static_cast<size_t>(x)) * 3];
    if (alpha >= 1.0) {
      p[0] = c.r, p[1] = c.g, p[2] = c.b;
      return;
    }
    auto mix = [alpha](uint8_t dst, uint8_t src) {
      return static_cast<uint8_t>(std::lround(dst + alpha * (static_cast<double>(src) - dst)));
    };
    p[0] = mix(p[0], c.r), p[1] = mix(p[1], c.g), p[2] = mix(p[2], c.b);
  }

  void fill_rect(Rect r, Color c, double alpha = 1.0) {
    for (int y = std::max(r.y0, clip_.y0); y < std::min(r.y1, clip_.y1); ++y)
      for (int x = std::max(r.x0, clip_.x0); x < std::min(r.x1, clip_.x1); ++x) blend(x, y, c, alpha);
  }

  void outline(Rect r, Color c) {
    fill_rect({r.x0, r.y0, r.x1, r.y0 + 1}, c);
    fill_rect({r.x0, r.y1 - 1, r.x1, r.y1}, c);
    fill_rect({r.x0, r.y0, r.x0 + 1, r.y1}, c);
    fill_rect({r.x1 - 1, r.y0, r.x1, r.y1}, c);
  }

  // Bresenham segment in pixel coordinates, clipped first so far-away points cannot overflow ints.
  void line(double x0, double y0, double x1, double y1, Color c, int width) {
    if (!clip_segment(x0, y0, x1, y1)) return;
    int ax = static_cast<int>(std::lround(x0)), ay = static_cast<int>(std::lround(y0));
    const int bx = static_cast<int>(std::lround(x1)), by = static_cast<int>(std::lround(y1));
    const int dx = std::abs(bx - ax), dy = -std::abs(by - ay);
    const int sx = ax < bx ? 1 : -1, sy = ay < by ? 1 : -1;
    const bool steep = -dy > dx;  // thicken across the main direction of travel
    int err = dx + dy;
    for (;;) {
      blend(ax, ay, c);
      if (width > 1) steep ? blend(ax + 1, ay, c) : blend(ax, ay + 1, c);
      if (ax == bx && ay == by) break;
      const int e2 = 2 * err;
      if (e2 >= dy) err += dy, ax += sx;
      if (e2 <= dx) err += dx, ay += sy;
    }
  }

  void disc(double cx, double cy, double r, Color c, double alpha) {
    if (!std::isfinite(cx) || !std::isfinite(cy)) return;
    if (!(r > 0) || !std::isfinite(r)) r = 0.5;
    r = std::min(r, 1000.0);  // a huge radius would only flood the plot and spin the loops
    // Skip markers wholly outside the clip; also keeps the int conversions below in range.
    if (cx + r < clip_.x0 - 1 || cx - r > clip_.x1 + 1 || cy + r < clip_.y0 - 1 || cy - r > clip_.y1 + 1) return;
    const int xa = static_cast<int>(std::floor(cx - r)), xb = static_cast<int>(std::ceil(cx + r));
    const int ya = static_cast<int>(std::floor(cy - r)), yb = static_cast<int>(std::ceil(cy + r));
    const double r2 = std::max(r * r, 0.25);
    bool any = false;
    for (int y = ya; y <= yb; ++y)
      for (int x = xa; x <= xb; ++x) {
        const double ddx = x + 0.5 - cx, ddy = y + 0.5 - cy;
        if (ddx * ddx + ddy * ddy <= r2) blend(x, y, c, alpha), any = true;
      }
    // Tiny radii can miss every pixel centre; a marker must stay visible.
    if (!any) blend(static_cast<int>(std::floor(cx)), static_cast<int>(std::floor(cy)), c, alpha);
  }

  // Draws single-line ASCII text; (x, y) is the anchor point, alignment is of the text box
  // (cap height tall). `vertical` rotates 90 degrees counter-clockwise (reads bottom to top).
  void text(int x, int y, const std::string& s, Color c, HAlign ha, VAlign va, bool vertical = false) {
    if (s.empty()) return;
    std::string buf = printable(s);
    std::vector<float> vbuf(buf.size() * 256 + 64);  // float storage keeps stb's float writes aligned
    const int nq = stb_easy_font_print(0, 0, buf.data(), nullptr, vbuf.data(), static_cast<int>(vbuf.size() * 4));
    const int tw = text_width(buf), th = text_height();
    // Offsets along the text (u) and across it (v, downwards in glyph space).
    const int u0 = ha == HAlign::kLeft ? 0 : ha == HAlign::kCenter ? -tw / 2 : -tw;
    const int v0 = va == VAlign::kTop ? 0 : va == VAlign::kCenter ? -th / 2 : -th;
    for (int q = 0; q < nq; ++q) {
      const float* v = &vbuf[static_cast<size_t>(q) * 16];  // 4 vertices x (x, y, z, rgba)
      const int qx0 = static_cast<int>(v[0]) * kTextScale, qy0 = static_cast<int>(v[1]) * kTextScale;
      const int qx1 = static_cast<int>(v[8]) * kTextScale, qy1 = static_cast<int>(v[9]) * kTextScale;
      if (!vertical) {
        fill_rect({x + u0 + qx0, y + v0 + qy0, x + u0 + qx1, y + v0 + qy1}, c);
      } else {
        // Rotate CCW: text direction u goes up the screen, glyph-down v goes right.
        fill_rect({x + v0 + qy0, y - u0 - qx1, x + v0 + qy1, y - u0 - qx0}, c);
      }
    }
  }

 private:
  // Liang-Barsky against the clip rectangle grown by a pixel.
  bool clip_segment(double& x0, double& y0, double& x1, double& y1) const {
    const double xmin = clip_.x0 - 1, xmax = clip_.x1, ymin = clip_.y0 - 1, ymax = clip_.y1;
    const double dx = x1 - x0, dy = y1 - y0;
    double t0 = 0, t1 = 1;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {x0 - xmin, xmax - x0, y0 - ymin, ymax - y0};
    for (int i = 0; i < 4; ++i) {
      if (p[i] == 0) {
        if (q[i] < 0) return false;
        continue;
      }
      const double t = q[i] / p[i];
      if (p[i] < 0) t0 = std::max(t0, t);
      else t1 = std::min(t1, t);
      if (t0 > t1) return false;
    }
    if (!std::isfinite(t0) || !std::isfinite(t1)) return false;
    const double nx0 = x0 + t0 * dx, ny0 = y0 + t0 * dy, nx1 = x0 + t1 * dx, ny1 = y0 + t1 * dy;
    x0 = nx0, y0 = ny0, x1 = nx1, y1 = ny1;
    return std::isfinite(x0) && std::isfinite(y0) && std::isfinite(x1) && std::isfinite(y1);
  }

  int w_, h_;
  std::vector<uint8_t> px_;
  Rect clip_;
};

// ---- axis scales and ticks ----

struct Tick {
  double pos;  // in transformed (log10 when log) units
  std::string label;
};

struct Scale {
  bool log = false;
  double lo = 0, hi = 1;  // transformed units
  std::vector<Tick> ticks;
  std::vector<double> minor;  // unlabelled log ticks
};

// Maps a data value to axis units; nullopt when it cannot be shown (non-finite, or <= 0 on a log axis).
std::optional<double> to_axis(double v, bool log) {
  if (!std::isfinite(v)) return std::nullopt;
  if (!log) return v;
  if (v <= 0) return std::nullopt;
  return std::log10(v);
}

std::string trim_exponent(std::string s) {
  // "1.5e+07" -> "1.5e7", "2e-05" -> "2e-5": shorter labels.
  const auto e = s.find('e');
  if (e == std::string::npos) return s;
  std::string mant = s.substr(0, e), exp = s.substr(e + 1);
  bool neg = false;
  if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) neg = exp[0] == '-', exp.erase(0, 1);
  exp.erase(0, std::min(exp.find_first_not_of('0'), exp.size() - 1));
  return mant + "e" + (neg ? "-" : "") + exp;
}

// Clamped double -> int, for digit counts derived from logs of extreme values.
int to_int_clamped(double v, int lo, int hi) {
  if (!(v >= lo)) return lo;  // also catches NaN
  if (v > hi) return hi;
  return static_cast<int>(v);
}

std::string format_number(double v, double step) {
  char buf[64];
  if (!std::isfinite(v)) return v > 0 ? "inf" : v < 0 ? "-inf" : "nan";
  const double av = std::fabs(v);
  if (av < std::fabs(step) * 1e-9) v = 0;  // avoid "-0.0" and 1e-17 residues
  const double mag = std::fabs(step) > 0 ? std::floor(std::log10(std::fabs(step))) : 0;
  const double frac = std::fabs(step) > 0 ? std::fabs(step) / std::pow(10.0, mag) : 1;
  const int extra = std::fabs(frac - 2.5) < 1e-6 ? 1 : 0;  // 2.5-steps need one more digit
  if (v != 0 && (av >= 1e6 || av < 1e-4)) {
    const int digits = to_int_clamped(std::floor(std::log10(av)) - mag + extra, 0, 10);
    std::snprintf(buf, sizeof buf, "%.*e", digits, v);
    return trim_exponent(buf);
  }
  const int decimals = to_int_clamped(-mag + extra, 0, 10);
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

double nice_step(double range, int target) {
  const double raw = range / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  const double nice = f < 1.5 ? 1 : f < 2.25 ? 2 : f < 3.5 ? 2.5 : f < 7.5 ? 5 : 10;
  return nice * mag;
}

std::vector<Tick> linear_ticks(double lo, double hi, bool values_are_log) {
  // For a log axis that spans too little for decade ticks, ticks are nice values in data space.
  const double dlo = values_are_log ? std::pow(10.0, lo) : lo;
  const double dhi = values_are_log ? std::pow(10.0, hi) : hi;
  std::vector<Tick> out;
  const double range = dhi - dlo;
  if (!(range > 0) || !std::isfinite(range)) return out;
  const double step = nice_step(range, 5);
  if (!(step > 0) || !std::isfinite(step)) return out;
  const double first = std::ceil(dlo / step - 1e-9);
  for (int k = 0; k < 50; ++k) {
    const double v = (first + k) * step;
    if (v > dhi + step * 1e-9) break;
    if (values_are_log && v <= 0) continue;
    out.push_back({values_are_log ? std::log10(v) : v, format_number(v, step)});
  }
  return out;
}

std::string power_label(int e) {
  if (e >= -3 && e <= 4) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", std::max(0, -e), std::pow(10.0, e));
    return buf;
  }
  return "1e" + std::to_string(e);
}

void make_ticks(Scale& s) {
  s.ticks.clear();
  s.minor.clear();
  if (!s.log) {
    s.ticks = linear_ticks(s.lo, s.hi, false);
    return;
  }
  const double eps = 1e-9;
  const int e0 = static_cast<int>(std::ceil(s.lo - eps)), e1 = static_cast<int>(std::floor(s.hi + eps));
  const int decades = e1 - e0 + 1;
  if (decades >= 2) {
    const int stride = (decades + 6) / 7;  // at most ~7 labelled decades
    for (int e = e0; e <= e1; ++e)
      if ((e - e0) % stride == 0) s.ticks.push_back({static_cast<double>(e), power_label(e)});
    if (stride == 1 && decades <= 8)
      for (int e = e0 - 1; e <= e1; ++e)
        for (int m = 2; m <= 9; ++m) {
          const double p = e + std::log10(static_cast<double>(m));
          if (p >= s.lo && p <= s.hi) s.minor.push_back(p);
        }
    return;
  }
  // Less than two decades: 1-2-5 ticks, else plain nice values.
  std::vector<Tick> ticks;
  for (int e = static_cast<int>(std::floor(s.lo)); e <= static_cast<int>(std::ceil(s.hi)); ++e)
    for (int m : {1, 2, 5}) {
      const double p = e + std::log10(static_cast<double>(m));
      if (p >= s.lo - eps && p <= s.hi + eps)
        ticks.push_back({p, format_number(m * std::pow(10.0, e), std::pow(10.0, e))});
    }
  s.ticks = ticks.size() >= 3 ? ticks : linear_ticks(s.lo, s.hi, true);
}

// Axis range in transformed units: explicit limits if usable, else data range with padding.
void set_range(Scale& s, const std::vector<double>& values, const std::optional<std::pair<double, double>>& lim) {
  double lo = 0, hi = 0;
  bool have = false;
  if (lim) {
    const auto a = to_axis(lim->first, s.log), b = to_axis(lim->second, s.log);
    if (a && b) lo = std::min(*a, *b), hi = std::max(*a, *b), have = true;
  }
  const bool from_data = !have;
  if (from_data && !values.empty()) {
    const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
    lo = *mn, hi = *mx, have = true;
  }
  if (!have) {
    s.lo = 0, s.hi = 1;  // no data: an arbitrary unit range (1..10 on a log axis)
    return;
  }
  double span = hi - lo;
  if (!(span > 0) || !std::isfinite(span)) {
    const double pad = s.log ? 0.5 : (lo != 0 ? std::fabs(lo) * 0.1 : 1.0);
    lo -= pad, hi += pad;
    if (!(hi > lo)) lo = -1, hi = 1;  // |lo| so large the pad vanished in rounding
  } else if (from_data) {
    lo -= kPadFraction * span, hi += kPadFraction * span;
  }
  // Keep hi - lo finite so pixel mapping never divides by infinity.
  if (!std::isfinite(hi - lo)) lo = std::max(lo, -8e307), hi = std::min(hi, 8e307);
  s.lo = lo, s.hi = hi;
}

// Widens the narrower range so one data unit spans the same number of pixels on both axes.
void equalize(Scale& xs, Scale& ys, int pw, int ph) {
  if (xs.log || ys.log || pw <= 0 || ph <= 0) return;
  const double ux = (xs.hi - xs.lo) / pw, uy = (ys.hi - ys.lo) / ph;  // units per pixel
  if (ux > uy) {
    const double c = 0.5 * (ys.lo + ys.hi), half = 0.5 * ux * ph;
    ys.lo = c - half, ys.hi = c + half;
  } else if (uy > ux) {
    const double c = 0.5 * (xs.lo + xs.hi), half = 0.5 * uy * pw;
    xs.lo = c - half, xs.hi = c + half;
  }
}

// Smallest k such that labelling every k-th tick leaves `gap` pixels between neighbouring labels
// (long labels in a narrow panel would otherwise run into each other).
template <typename Map, typename Extent>
int label_stride(const std::vector<Tick>& ticks, Map map, Extent extent, int gap) {
  const int n = static_cast<int>(ticks.size());
  for (int k = 1; k < n; ++k) {
    bool fits = true;
    for (int i = 0; i + k < n && fits; i += k) {
      const double dist = std::fabs(map(ticks[i + k].pos) - map(ticks[i].pos));
      fits = dist >= 0.5 * (extent(ticks[i]) + extent(ticks[i + k])) + gap;
    }
    if (fits) return k;
  }
  return std::max(n, 1);
}

// ---- one panel ----

void draw_panel(Canvas& cv, const Axes& ax, Rect panel) {
  Scale xs, ys;
  xs.log = ax.log_x, ys.log = ax.log_y;
  std::vector<double> xv, yv;
  for (const auto& s : ax.series) {
    const size_t n = std::min(s.x.size(), s.y.size());
    for (size_t i = 0; i < n; ++i) {
      const auto px = to_axis(s.x[i], xs.log), py = to_axis(s.y[i], ys.log);
      if (px && py) xv.push_back(*px), yv.push_back(*py);
    }
  }
  set_range(xs, xv, ax.xlim);
  set_range(ys, yv, ax.ylim);
  const Scale xs_base = xs, ys_base = ys;

  const int th = text_height();
  const int top = 10 + (ax.title.empty() ? 0 : th + 12);
  const int bottom = kTickLength + 6 + th + (ax.xlabel.empty() ? 0 : th + 10) + 10;
  Rect plot;
  // Margins depend on tick labels, which depend on the range, which (equal aspect) depends on the
  // plot size: a few fixed-point passes settle it.
  Scale xr = xs_base, yr = ys_base;  // ranges whose labels size the margins in this pass
  for (int pass = 0; pass < 3; ++pass) {
    xs = xr, ys = yr;
    make_ticks(xs);
    make_ticks(ys);
    int ytw = 0;
    for (const auto& t : ys.ticks) ytw = std::max(ytw, text_width(t.label));
    const int left = 10 + (ax.ylabel.empty() ? 0 : th + 10) + ytw + kTickLength + 5;
    const int right = std::max(16, xs.ticks.empty() ? 0 : text_width(xs.ticks.back().label) / 2 + 6);
    plot = {panel.x0 + left, panel.y0 + top, panel.x1 - right, panel.y1 - bottom};
    // Panels too small for the margins: give the data the whole panel rather than nothing.
    if (plot.x1 - plot.x0 < 10) plot.x0 = panel.x0, plot.x1 = std::max(panel.x1, panel.x0 + 10);
    if (plot.y1 - plot.y0 < 10) plot.y0 = panel.y0, plot.y1 = std::max(panel.y1, panel.y0 + 10);
    if (!ax.equal_aspect) break;
    xs = xs_base, ys = ys_base;
    equalize(xs, ys, plot.x1 - plot.x0 - 1, plot.y1 - plot.y0 - 1);
    make_ticks(xs);
    make_ticks(ys);
    xr = xs, yr = ys;
  }

  const double pw = plot.x1 - plot.x0 - 1, ph = plot.y1 - plot.y0 - 1;
  auto map_x = [&](double u) { return plot.x0 + (u - xs.lo) / (xs.hi - xs.lo) * pw; };
  auto map_y = [&](double u) { return plot.y1 - 1 - (u - ys.lo) / (ys.hi - ys.lo) * ph; };
  auto in_x = [&](double u) { return u >= xs.lo - 1e-9 * (xs.hi - xs.lo) && u <= xs.hi + 1e-9 * (xs.hi - xs.lo); };
  auto in_y = [&](double u) { return u >= ys.lo - 1e-9 * (ys.hi - ys.lo) && u <= ys.hi + 1e-9 * (ys.hi - ys.lo); };

  // Grid first so data draws over it.
  cv.set_clip(plot);
  for (const auto& t : xs.ticks)
    if (in_x(t.pos)) cv.fill_rect({static_cast<int>(std::lround(map_x(t.pos))), plot.y0,
                                   static_cast<int>(std::lround(map_x(t.pos))) + 1, plot.y1}, kGridColor);
  for (const auto& t : ys.ticks)
    if (in_y(t.pos)) cv.fill_rect({plot.x0, static_cast<int>(std::lround(map_y(t.pos))), plot.x1,
                                   static_cast<int>(std::lround(map_y(t.pos))) + 1}, kGridColor);

  // Data, clipped to the plot area.
  cv.set_clip({plot.x0 + 1, plot.y0 + 1, plot.x1 - 1, plot.y1 - 1});
  for (const auto& s : ax.series) {
    const size_t n = std::min(s.x.size(), s.y.size());
    if (s.line) {
      const int w = s.line_width >= 1.5 ? 2 : 1;
      bool have_prev = false;
      double qx = 0, qy = 0;
      for (size_t i = 0; i < n; ++i) {
        const auto px = to_axis(s.x[i], xs.log), py = to_axis(s.y[i], ys.log);
        if (!px || !py) {
          have_prev = false;  // a gap in the data is a gap in the line
          continue;
        }
        const double cx = map_x(*px), cy = map_y(*py);
        if (have_prev) cv.line(qx, qy, cx, cy, s.color, w);
        else if (i + 1 >= n || !to_axis(s.x[i + 1], xs.log) || !to_axis(s.y[i + 1], ys.log))
          cv.disc(cx, cy, 1.0, s.color, 1.0);  // isolated point: still visible
        qx = cx, qy = cy, have_prev = true;
      }
    } else {
      const double alpha = std::isnan(s.alpha) ? 1.0 : std::clamp(s.alpha, 0.0, 1.0);
      for (size_t i = 0; i < n; ++i) {
        const auto px = to_axis(s.x[i], xs.log), py = to_axis(s.y[i], ys.log);
        if (!px || !py) continue;
        Color c = s.color;
        if (i < s.category.size()) c = palette(s.category[i]);
        cv.disc(map_x(*px), map_y(*py), s.marker_size, c, alpha);
      }
    }
  }

  // Frame, ticks and labels; text may use the whole panel but not spill into neighbours.
  cv.set_clip(panel);
  cv.outline(plot, kFrameColor);
  const int x_stride = label_stride(xs.ticks, map_x, [](const Tick& t) { return text_width(t.label); }, 12);
  const int y_stride = label_stride(ys.ticks, map_y, [](const Tick&) { return text_height(); }, 6);
  for (size_t i = 0; i < xs.ticks.size(); ++i) {
    const Tick& t = xs.ticks[i];
    if (!in_x(t.pos)) continue;
    const int x = static_cast<int>(std::lround(map_x(t.pos)));
    cv.fill_rect({x, plot.y1, x + 1, plot.y1 + kTickLength}, kFrameColor);
    if (i % x_stride == 0) cv.text(x, plot.y1 + kTickLength + 5, t.label, kBlack, HAlign::kCenter, VAlign::kTop);
  }
  for (double m : xs.minor) {
    const int x = static_cast<int>(std::lround(map_x(m)));
    cv.fill_rect({x, plot.y1, x + 1, plot.y1 + kTickLength / 2 + 1}, kFrameColor);
  }
  for (size_t i = 0; i < ys.ticks.size(); ++i) {
    const Tick& t = ys.ticks[i];
    if (!in_y(t.pos)) continue;
    const int y = static_cast<int>(std::lround(map_y(t.pos)));
    cv.fill_rect({plot.x0 - kTickLength, y, plot.x0, y + 1}, kFrameColor);
    if (i % y_stride == 0) cv.text(plot.x0 - kTickLength - 5, y, t.label, kBlack, HAlign::kRight, VAlign::kCenter);
  }
  for (double m : ys.minor) {
    const int y = static_cast<int>(std::lround(map_y(m)));
    cv.fill_rect({plot.x0 - kTickLength / 2 - 1, y, plot.x0, y + 1}, kFrameColor);
  }
  const int cx = (plot.x0 + plot.x1) / 2, cy = (plot.y0 + plot.y1) / 2;
  if (!ax.title.empty()) cv.text(cx, plot.y0 - 12, ax.title, kBlack, HAlign::kCenter, VAlign::kBottom);
  if (!ax.xlabel.empty()) cv.text(cx, panel.y1 - 10, ax.xlabel, kBlack, HAlign::kCenter, VAlign::kBottom);
  if (!ax.ylabel.empty()) cv.text(panel.x0 + 10, cy, ax.ylabel, kBlack, HAlign::kCenter, VAlign::kTop, true);

  // Legend, top-right inside the plot area.
  if (!ax.legend) return;
  std::vector<const Series*> entries;
  int lw = 0;
  for (const auto& s : ax.series)
    if (!s.label.empty()) entries.push_back(&s), lw = std::max(lw, text_width(s.label));
  if (entries.empty()) return;
  constexpr int kSwatch = 18, kPad = 6, kRowGap = 6;
  const int row_h = th + kRowGap;
  const int box_w = kPad + kSwatch + kPad + lw + kPad;
  const int box_h = kPad + static_cast<int>(entries.size()) * row_h - kRowGap + kPad;
  const Rect box{plot.x1 - 8 - box_w, plot.y0 + 8, plot.x1 - 8, plot.y0 + 8 + box_h};
  cv.set_clip({plot.x0 + 1, plot.y0 + 1, plot.x1 - 1, plot.y1 - 1});
  cv.fill_rect(box, kWhite, 0.85);
  cv.outline(box, kLegendBorder);
  for (size_t k = 0; k < entries.size(); ++k) {
    const Series& s = *entries[k];
    const int ry = box.y0 + kPad + static_cast<int>(k) * row_h + th / 2;  // row centre line
    const int sx = box.x0 + kPad;
    if (s.line) {
      cv.fill_rect({sx, ry - 1, sx + kSwatch, ry + 1}, s.color);
    } else {
      cv.disc(sx + kSwatch / 2.0, ry, std::clamp(s.marker_size, 3.0, 6.0), s.color, 1.0);
    }
    cv.text(sx + kSwatch + kPad, ry, s.label, kBlack, HAlign::kLeft, VAlign::kCenter);
  }
}

}  // namespace

std::vector<uint8_t> render_rgb(const Figure& fig, int& width, int& height) {
  if (fig.panel_width <= 0 || fig.panel_height <= 0 || fig.panel_width > kMaxPanelSide ||
      fig.panel_height > kMaxPanelSide || fig.panels.size() > 64)
    throw std::invalid_argument("plot: bad figure size " + std::to_string(fig.panel_width) + "x" +
                                std::to_string(fig.panel_height) + " with " + std::to_string(fig.panels.size()) +
                                " panels");
  const int n = std::max<int>(1, static_cast<int>(fig.panels.size()));  // no panels: one blank panel
  width = fig.panel_width * n;
  height = fig.panel_height;
  Canvas cv(width, height);
  for (size_t i = 0; i < fig.panels.size(); ++i) {
    const int x0 = static_cast<int>(i) * fig.panel_width;
    draw_panel(cv, fig.panels[i], {x0, 0, x0 + fig.panel_width, fig.panel_height});
  }
  return cv.take();
}

void save_png(const Figure& fig, const std::string& path) {
  int w = 0, h = 0;
  const std::vector<uint8_t> rgb = render_rgb(fig, w, h);
  ::disco::write_png(path, rgb.data(), w, h, 3);
}

std::vector<uint8_t> encode_png(const Figure& fig) {
  int w = 0, h = 0;
  const std::vector<uint8_t> rgb = render_rgb(fig, w, h);
  return ::disco::encode_png(rgb.data(), w, h, 3);
}

}  // namespace disco::plot
