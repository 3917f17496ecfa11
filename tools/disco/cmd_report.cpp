// disco report RUN_DIR... --out FILE.html: one self-contained HTML page (no network, no external files) with
// each run's resolved config, loss curves per stage, a metric table (runs side by side), every CSV table under
// tables/, and every PNG the run wrote in plots/ and samples/ (not in their sub-folders, which hold one file per
// sample), inlined as data URIs. Works on runs of any domain.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "disco/atomic_file.h"
#include "disco/config.h"
#include "disco/error.h"
#include "disco/read_file.h"
#include "disco/plot.h"
#include "html.h"
#include "report_docking.h"

namespace fs = std::filesystem;

namespace disco::cli {
namespace {

constexpr uintmax_t kMaxInlinedImage = 4u << 20;  // bigger PNGs are listed, not inlined
constexpr size_t kMaxTableRows = 300;              // rows of a tables/*.csv shown; the rest is counted

std::string base64(const uint8_t* data, size_t n) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    const uint32_t b = uint32_t(data[i]) << 16 | (i + 1 < n ? uint32_t(data[i + 1]) << 8 : 0) |
                       (i + 2 < n ? uint32_t(data[i + 2]) : 0);
    out += kAlphabet[b >> 18 & 63];
    out += kAlphabet[b >> 12 & 63];
    out += i + 1 < n ? kAlphabet[b >> 6 & 63] : '=';
    out += i + 2 < n ? kAlphabet[b & 63] : '=';
  }
  return out;
}

std::string png_img(const void* png, size_t size, const std::string& alt) {
  return "<img alt=\"" + html_escape(alt) + "\" src=\"data:image/png;base64," +
         base64(static_cast<const uint8_t*>(png), size) + "\">";
}

// A PNG narrower than kSmallImage pixels (a grid of a few 28-pixel images) is shown enlarged by a whole factor,
// its pixels kept sharp; the width is read from the IHDR chunk (bytes 16-19, big-endian).
constexpr uint32_t kSmallImage = 320;
std::string png_img_readable(const std::string& png, const std::string& alt) {
  const std::string img = png_img(png.data(), png.size(), alt);
  if (png.size() < 24) return img;
  uint32_t width = 0;
  for (int i = 16; i < 20; ++i) width = width << 8 | uint8_t(png[size_t(i)]);
  if (width == 0 || width >= kSmallImage) return img;
  const uint32_t shown = width * (kSmallImage / width);
  return img.substr(0, 4) + " class=px style=\"width:" + std::to_string(shown) + "px\"" + img.substr(4);
}

// metrics.csv: a header row, then numbers (empty or non-numeric cells become NaN).
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<double>> rows;
  int column(const std::string& name) const {
    const auto it = std::find(columns.begin(), columns.end(), name);
    return it == columns.end() ? -1 : int(it - columns.begin());
  }
};

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream s(line);
  std::string cell;
  while (std::getline(s, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

Table read_history(const fs::path& path) {
  Table t;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return t;
  t.columns = split_csv_line(line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<double> row;
    for (const auto& cell : split_csv_line(line)) {
      char* end = nullptr;
      const double v = std::strtod(cell.c_str(), &end);
      row.push_back(end != cell.c_str() && *end == '\0' ? v : std::nan(""));
    }
    row.resize(t.columns.size(), std::nan(""));
    t.rows.push_back(std::move(row));
  }
  return t;
}

// metrics.json as disco writes it: one flat object of strings, numbers and nulls. Anything else is a DataError
// naming the file, so a hand-edited file cannot produce a silently wrong table.
std::vector<std::pair<std::string, std::string>> read_flat_json(const fs::path& path) {
  const std::string text = read_file(path.string());
  size_t i = 0;
  auto fail = [&](const std::string& why) {
    return DataError(path.string() + ": " + why + " at byte " + std::to_string(i) + " (expected a flat JSON object)");
  };
  auto skip = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  auto string_at = [&] {
    if (text[i] != '"') throw fail("expected a string");
    std::string out;
    for (++i; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) ++i;
      out += text[i];
    }
    if (i >= text.size()) throw fail("unterminated string");
    ++i;
    return out;
  };
  std::vector<std::pair<std::string, std::string>> out;
  skip();
  if (i >= text.size() || text[i] != '{') throw fail("expected '{'");
  ++i;
  for (;;) {
    skip();
    if (i < text.size() && text[i] == '}') break;
    if (i >= text.size()) throw fail("unexpected end");
    std::string key = string_at();
    skip();
    if (i >= text.size() || text[i] != ':') throw fail("expected ':'");
    ++i;
    skip();
    if (i >= text.size()) throw fail("unexpected end");
    std::string value;
    if (text[i] == '"') {
      value = string_at();
    } else {
      const size_t start = i;
      while (i < text.size() && text[i] != ',' && text[i] != '}' && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      value = text.substr(start, i - start);
      char* end = nullptr;
      std::strtod(value.c_str(), &end);
      if (value != "null" && value != "true" && value != "false" && (value.empty() || *end != '\0'))
        throw fail("bad value '" + value + "'");
    }
    out.emplace_back(std::move(key), std::move(value));
    skip();
    if (i < text.size() && text[i] == ',') ++i;
  }
  return out;
}

struct Run {
  std::string dir, name, domain;
  std::string config_text;
  Table history;
  std::vector<std::pair<std::string, std::string>> metrics;  // empty: not evaluated
  std::map<std::string, fs::path> images;                   // "plots/x.png" -> path
  std::map<std::string, fs::path> tables;                   // "tables/x.csv" -> path
};

Run load_run(const std::string& dir) {
  if (!fs::is_directory(dir)) throw UsageError("'" + dir + "' is not a directory");
  if (!fs::exists(fs::path(dir) / "config.toml"))
    throw UsageError("'" + dir + "' is not a disco run directory (no config.toml)");
  Run r;
  r.dir = dir;
  r.name = fs::path(dir).lexically_normal().filename().string();
  if (r.name.empty() || r.name == ".") r.name = fs::absolute(dir).lexically_normal().parent_path().filename().string();
  const std::string config_path = (fs::path(dir) / "config.toml").string();
  r.config_text = read_file(config_path);
  r.domain = Config::parse_string(r.config_text, config_path).peek_string("domain").value_or("?");
  if (fs::exists(fs::path(dir) / "metrics.csv")) r.history = read_history(fs::path(dir) / "metrics.csv");
  if (fs::exists(fs::path(dir) / "metrics.json")) r.metrics = read_flat_json(fs::path(dir) / "metrics.json");
  // Only the files directly in these folders: a sub-folder such as samples/samples/ holds one PNG per sample.
  for (const char* sub : {"plots", "samples", "tables"}) {
    const fs::path d = fs::path(dir) / sub;
    if (!fs::is_directory(d)) continue;
    for (const auto& e : fs::directory_iterator(d)) {
      if (!e.is_regular_file()) continue;
      const std::string name = fs::relative(e.path(), dir).string();
      if (e.path().extension() == ".png" && std::string(sub) != "tables") r.images[name] = e.path();
      if (e.path().extension() == ".csv" && std::string(sub) == "tables") r.tables[name] = e.path();
    }
  }
  return r;
}

// One panel per stage with each run's loss (log scale), and codes in use / perplexity when logged.
std::string history_figure(const std::vector<Run>& runs) {
  std::set<int> stages;
  for (const auto& r : runs) {
    const int c = r.history.column("stage");
    if (c >= 0)
      for (const auto& row : r.history.rows)
        if (std::isfinite(row[c])) stages.insert(int(row[c]));
  }
  if (stages.empty()) return "<p class=note>No training history (metrics.csv) in these runs.</p>";
  plot::Figure fig;
  fig.panel_width = 460;
  fig.panel_height = 340;
  auto add_panel = [&](int stage, const std::string& column, const std::string& title, bool log_y) {
    plot::Axes ax;
    ax.title = title;
    ax.xlabel = "step";
    ax.ylabel = column;
    ax.log_y = log_y;
    for (size_t i = 0; i < runs.size(); ++i) {
      const auto& h = runs[i].history;
      const int cs = h.column("stage"), cx = h.column("step"), cy = h.column(column);
      if (cs < 0 || cx < 0 || cy < 0) continue;
      plot::Series s;
      s.label = runs[i].name;
      s.line = true;
      s.color = plot::palette(int(i));
      for (const auto& row : h.rows)
        if (int(row[cs]) == stage) s.x.push_back(row[cx]), s.y.push_back(row[cy]);
      // A baseline logs zeros for its (absent) codes: leave it out rather than draw a flat line at 0.
      const bool all_zero = std::all_of(s.y.begin(), s.y.end(), [](double v) { return v == 0; });
      if (!s.x.empty() && !(column != "loss" && all_zero)) ax.series.push_back(std::move(s));
    }
    if (!ax.series.empty()) fig.panels.push_back(std::move(ax));
  };
  for (int stage : stages) {
    const std::string what = stage == 1 ? "stage 1 (denoiser + encoder)" : stage == 2 ? "stage 2 (AR prior)"
                                                                                     : "stage " + std::to_string(stage);
    add_panel(stage, "loss", what + ": loss", true);
  }
  add_panel(1, "perplexity", "stage 1: code perplexity", false);
  if (fig.panels.empty()) return "<p class=note>metrics.csv has no loss column.</p>";
  const std::vector<uint8_t> png = plot::encode_png(fig);
  return png_img(png.data(), png.size(), "training curves");
}

std::string metric_table(const std::vector<Run>& runs) {
  std::vector<std::string> keys;  // first-seen order across runs
  std::set<std::string> seen;
  for (const auto& r : runs)
    for (const auto& [k, v] : r.metrics)
      if (seen.insert(k).second) keys.push_back(k);
  std::string html;
  for (const auto& r : runs)
    if (r.metrics.empty())
      html += "<p class=note>" + html_escape(r.name) + " has no metrics.json: run <code>disco eval " +
              html_escape(r.dir) + "</code>.</p>\n";
  if (keys.empty()) return html;
  html += "<table><tr><th>metric</th>";
  for (const auto& r : runs) html += "<th>" + html_escape(r.name) + "</th>";
  html += "</tr>\n";
  for (const auto& k : keys) {
    html += "<tr><td>" + html_escape(k) + "</td>";
    for (const auto& r : runs) {
      auto it = std::find_if(r.metrics.begin(), r.metrics.end(), [&](const auto& p) { return p.first == k; });
      html += "<td>" + (it == r.metrics.end() ? std::string("–") : html_escape(it->second)) + "</td>";
    }
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

// Images with the same relative path sit in one row, one column per run.
std::string image_grid(const std::vector<Run>& runs, std::vector<std::string>* skipped) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& r : runs)
    for (const auto& [name, path] : r.images)
      if (seen.insert(name).second) names.push_back(name);
  std::sort(names.begin(), names.end());
  if (names.empty()) return "<p class=note>No PNG files under plots/ or samples/.</p>";
  std::string html;
  for (const auto& name : names) {
    html += "<h3>" + html_escape(name) + "</h3>\n<div class=row>";
    for (const auto& r : runs) {
      html += "<figure>";
      const auto it = r.images.find(name);
      if (it == r.images.end()) {
        html += "<div class=note>–</div>";
      } else if (fs::file_size(it->second) > kMaxInlinedImage) {
        skipped->push_back(it->second.string());
        html += "<div class=note>too large to inline: " + html_escape(it->second.string()) + "</div>";
      } else {
        html += png_img_readable(read_file(it->second.string()), r.name + " " + name);
      }
      html += "<figcaption>" + html_escape(r.name) + "</figcaption></figure>";
    }
    html += "</div>\n";
  }
  return html;
}

// Each tables/*.csv as an HTML table, one heading per file name and one table per run that has it.
std::string csv_tables(const std::vector<Run>& runs) {
  std::set<std::string> names;
  for (const auto& r : runs)
    for (const auto& [name, path] : r.tables) names.insert(name);
  std::string html;
  for (const auto& name : names) {
    html += "<h3>" + html_escape(name) + "</h3>\n";
    for (const auto& r : runs) {
      const auto it = r.tables.find(name);
      if (it == r.tables.end()) continue;
      std::istringstream in(read_file(it->second.string()));
      std::string line;
      html += "<p class=note>" + html_escape(r.name) + "</p>\n<table class=csv>";
      size_t rows = 0, more = 0;
      for (bool header = true; std::getline(in, line); header = false) {
        if (line.empty()) continue;
        if (rows++ > kMaxTableRows) {
          ++more;
          continue;
        }
        html += "<tr>";
        for (const auto& cell : split_csv_line(line))
          html += (header ? "<th>" : "<td>") + html_escape(cell) + (header ? "</th>" : "</td>");
        html += "</tr>\n";
      }
      html += "</table>\n";
      if (more > 0) html += "<p class=note>" + std::to_string(more) + " more rows in " + html_escape(it->second.string()) + "</p>\n";
    }
  }
  return html;
}

constexpr const char* kStyle = R"css(
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1800px; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
td, th { border: 1px solid #ccc; padding: 3px 10px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.row { display: flex; gap: 12px; align-items: flex-start; }
figure { margin: 0; flex: 1 1 0; min-width: 280px; } figcaption { font-size: 0.85em; color: #555; }
img { max-width: 100%; border: 1px solid #eee; } img.px { image-rendering: pixelated; }
pre { background: #f6f6f6; padding: 8px; overflow: auto; font-size: 0.85em; }
.note { color: #777; }
)css";

// Reports, as console errors, any image that failed to decode: a headless browser test watches for them.
constexpr const char* kImageCheck = R"js(
window.addEventListener('load', function () {
  var bad = 0;
  document.querySelectorAll('img').forEach(function (img) {
    if (!img.complete || img.naturalWidth === 0) { bad++; console.error('image failed to load: ' + img.alt); }
  });
  document.body.setAttribute('data-images-ok', bad === 0 ? 'yes' : 'no');
});
)js";

}  // namespace

int run_report(Session& s, const ReportArgs& a) {
  std::vector<Run> runs;
  for (const auto& dir : a.run_dirs) runs.push_back(load_run(dir));
  const std::string out = !a.out.empty() ? a.out : runs.size() == 1 ? runs[0].dir + "/report.html" : "report.html";
  std::set<std::string> domains;
  for (const auto& r : runs) domains.insert(r.domain);
  std::string title = a.title;
  if (title.empty()) {
    for (const auto& r : runs) title += (title.empty() ? "" : " vs ") + r.name;
    title = "disco report: " + title;
  }

  std::string html = "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>" + html_escape(title) +
                     "</title>\n<style>" + kStyle + "</style>\n<script>" + kImageCheck + "</script></head><body>\n";
  html += "<h1>" + html_escape(title) + "</h1>\n<p class=note>";
  for (const auto& d : domains) html += "domain " + html_escape(d) + ". ";
  html += std::to_string(runs.size()) + " run(s): ";
  for (size_t i = 0; i < runs.size(); ++i) html += (i ? ", " : "") + html_escape(runs[i].dir);
  html += "</p>\n<h2>Metrics</h2>\n" + metric_table(runs);
  html += "<h2>Training</h2>\n" + history_figure(runs);
  const std::string tables = csv_tables(runs);
  if (!tables.empty()) html += "<h2>Tables</h2>\n" + tables;
  std::vector<std::string> skipped;
  html += "<h2>Plots and samples</h2>\n" + image_grid(runs, &skipped);
  std::vector<DockingRunFiles> docking_runs;
  for (const auto& r : runs) docking_runs.push_back({r.name, r.dir});
  std::string mol_script;
  const std::string poses = docking_views(docking_runs, 3, &mol_script);
  if (!poses.empty()) html += "<h2>Docked poses</h2>\n" + poses + "<script>" + mol_script + "</script>\n";
  html += "<h2>Configuration</h2>\n";
  for (const auto& r : runs)
    html += "<details><summary>" + html_escape(r.name) + ": config.toml</summary><pre>" + html_escape(r.config_text) +
            "</pre></details>\n";
  html += "</body></html>\n";

  const auto parent = fs::path(out).parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  write_text_atomically(out, html);
  for (const auto& p : skipped) s.term().warn("not inlined (over 4 MiB): " + p);
  std::printf("%s\n", out.c_str());
  return kExitOk;
}

}  // namespace disco::cli
