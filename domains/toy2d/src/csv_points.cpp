#include "csv_points.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "disco/atomic_file.h"
#include "disco/error.h"
#include "disco/read_file.h"

namespace disco::toy2d {
namespace {

constexpr size_t kMaxQuotedLine = 80;  // longer offending lines are shortened in error messages

enum class Parse { kOk, kNotNumber, kNonFinite };

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// Whole-field parse: surrounding blanks allowed, anything else left over makes it "not a number".
Parse parse_double(std::string_view field, double& out) {
  field = trim(field);
  // from_chars rejects a leading '+', which other tools write; accept "+1" but not "+-1".
  if (field.size() > 1 && field[0] == '+' && field[1] != '-' && field[1] != '+') field.remove_prefix(1);
  if (field.empty()) return Parse::kNotNumber;
  const char* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, out);
  if (ptr != end) return Parse::kNotNumber;
  if (ec == std::errc::result_out_of_range) return Parse::kNonFinite;  // e.g. 1e999 overflows
  if (ec != std::errc()) return Parse::kNotNumber;
  return std::isfinite(out) ? Parse::kOk : Parse::kNonFinite;
}

std::vector<std::string_view> split_commas(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    const auto comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

std::string quoted(std::string_view line) {
  if (line.size() <= kMaxQuotedLine) return "'" + std::string(line) + "'";
  return "'" + std::string(line.substr(0, kMaxQuotedLine)) + "...'";
}

}  // namespace

std::vector<Point> read_points_csv(const std::string& path) {
  const std::string data = read_file(path);
  std::vector<Point> pts;
  size_t expected_fields = 0;  // set by the first data row
  bool first_row = true;
  size_t line_no = 0;
  for (size_t pos = 0; pos < data.size();) {
    const auto nl = data.find('\n', pos);
    std::string_view line(data.data() + pos, (nl == std::string::npos ? data.size() : nl) - pos);
    pos = nl == std::string::npos ? data.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF files
    const std::string_view content = trim(line);
    if (content.empty() || content[0] == '#') continue;

    const std::vector<std::string_view> fields = split_commas(line);
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    if (first_row) {
      first_row = false;
      bool any_number = false;
      for (const auto f : fields) {
        double ignored = 0;
        any_number = any_number || parse_double(f, ignored) != Parse::kNotNumber;
      }
      if (!any_number) continue;  // header
    }
    if (fields.size() < 2) throw DataError(where + "expected 2 numbers, got " + quoted(line));
    if (expected_fields == 0) expected_fields = fields.size();
    if (fields.size() != expected_fields)
      throw DataError(where + "row has " + std::to_string(fields.size()) + " fields, expected " +
                      std::to_string(expected_fields));
    Point p;
    const Parse px = parse_double(fields[0], p.x), py = parse_double(fields[1], p.y);
    if (px == Parse::kNotNumber || py == Parse::kNotNumber)
      throw DataError(where + "expected 2 numbers, got " + quoted(line));
    if (px == Parse::kNonFinite || py == Parse::kNonFinite)
      throw DataError(where + "non-finite value in " + quoted(line));
    pts.push_back(p);
  }
  if (pts.empty()) throw DataError(path + ": no points");
  return pts;
}

void write_points_csv(const std::string& path, const std::vector<Point>& pts, const std::vector<int64_t>& latents) {
  if (!latents.empty() && latents.size() != pts.size())
    throw std::invalid_argument("write_points_csv: " + std::to_string(latents.size()) + " latents for " +
                                std::to_string(pts.size()) + " points");
  std::string out = "x,y,latent\n";
  out.reserve(out.size() + pts.size() * 48);
  char buf[64];
  auto append_number = [&](auto value) {
    // to_chars gives the shortest text that reads back to the same double.
    const auto res = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, res.ptr);
  };
  for (size_t i = 0; i < pts.size(); ++i) {
    append_number(pts[i].x);
    out += ',';
    append_number(pts[i].y);
    out += ',';
    if (!latents.empty()) append_number(latents[i]);
    out += '\n';
  }
  write_text_atomically(path, out);
}

}  // namespace disco::toy2d
