#include "signal_io.h"

#include <ATen/ATen.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <vector>

#include "disco/atomic_file.h"
#include "disco/error.h"
#include "disco/read_file.h"

namespace disco::signal1d {
namespace {

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

enum class Parse { kOk, kNotNumber, kNonFinite };

Parse parse_double(std::string_view field, double& out) {
  field = trim(field);
  if (field.size() > 1 && field[0] == '+' && field[1] != '-' && field[1] != '+') field.remove_prefix(1);
  if (field.empty()) return Parse::kNotNumber;
  const char* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(field.data(), end, out);
  if (ptr != end) return Parse::kNotNumber;
  if (ec == std::errc::result_out_of_range) return Parse::kNonFinite;
  if (ec != std::errc()) return Parse::kNotNumber;
  return std::isfinite(out) ? Parse::kOk : Parse::kNonFinite;
}

std::vector<std::string_view> split_commas(std::string_view line) {
  std::vector<std::string_view> fields;
  for (size_t start = 0;;) {
    const auto comma = line.find(',', start);
    fields.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

std::string shorten(std::string_view s) {
  return s.size() <= 40 ? std::string(s) : std::string(s.substr(0, 40)) + "...";
}

}  // namespace

at::Tensor read_signals_csv(const std::string& path) {
  const std::string data = read_file(path);
  std::vector<float> values;
  std::vector<bool> keep;  // per column: false for header columns named latent*
  int64_t length = -1, rows = 0;
  bool first_row = true;
  size_t line_no = 0;
  for (size_t pos = 0; pos < data.size();) {
    const auto nl = data.find('\n', pos);
    std::string_view line(data.data() + pos, (nl == std::string::npos ? data.size() : nl) - pos);
    pos = nl == std::string::npos ? data.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto content = trim(line);
    if (content.empty() || content[0] == '#') continue;
    const auto fields = split_commas(line);
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    if (first_row) {
      first_row = false;
      keep.assign(fields.size(), true);
      bool header = false;
      for (const auto f : fields) {
        double ignored = 0;
        header = header || parse_double(f, ignored) == Parse::kNotNumber;
      }
      if (header) {
        for (size_t i = 0; i < fields.size(); ++i) keep[i] = trim(fields[i]).rfind("latent", 0) != 0;
        continue;
      }
    }
    if (fields.size() != keep.size())
      throw DataError(where + "row has " + std::to_string(fields.size()) + " fields, expected " +
                      std::to_string(keep.size()));
    int64_t n = 0;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (!keep[i]) continue;
      double v = 0;
      const Parse p = parse_double(fields[i], v);
      if (p == Parse::kNotNumber)
        throw DataError(where + "field " + std::to_string(i + 1) + " is not a number: '" + shorten(fields[i]) + "'");
      if (p == Parse::kNonFinite) throw DataError(where + "non-finite value in field " + std::to_string(i + 1));
      values.push_back(float(v));
      ++n;
    }
    if (length < 0) length = n;
    if (n != length)
      throw DataError(where + "row has " + std::to_string(n) + " values, expected " + std::to_string(length));
    ++rows;
  }
  if (rows == 0 || length <= 0) throw DataError(path + ": no signals");
  return at::tensor(values, at::kFloat).reshape({rows, length});
}

at::Tensor read_signals_npy(const std::string& path) {
  // Format: "\x93NUMPY", major, minor, header length (2 bytes for v1, 4 for v2/v3), a Python dict literal
  // {'descr': '<f4', 'fortran_order': False, 'shape': (N, L), }, then the raw array.
  const std::string data = read_file(path);
  auto bad = [&](const std::string& why) { return DataError(path + ": " + why); };
  if (data.size() < 10 || data.compare(0, 6, "\x93NUMPY") != 0) throw bad("not a .npy file (bad magic)");
  const int major = static_cast<unsigned char>(data[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = size_t(static_cast<unsigned char>(data[8])) | size_t(static_cast<unsigned char>(data[9])) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (data.size() < 12) throw bad("truncated header");
    for (int i = 0; i < 4; ++i) header_len |= size_t(static_cast<unsigned char>(data[8 + i])) << (8 * i);
    offset = 12;
  } else {
    throw bad("unsupported .npy version " + std::to_string(major));
  }
  if (data.size() < offset + header_len) throw bad("truncated header");
  const std::string header = data.substr(offset, header_len);
  offset += header_len;
  auto value_of = [&](const std::string& key) {
    const auto k = header.find("'" + key + "'");
    if (k == std::string::npos) throw bad("header lacks '" + key + "'");
    return header.substr(header.find(':', k) + 1);
  };
  std::string descr = value_of("descr");
  descr = descr.substr(descr.find('\'') + 1);
  descr = descr.substr(0, descr.find('\''));
  if (descr != "<f4" && descr != "<f8")
    throw bad("dtype '" + descr + "' is not supported (use little-endian float32 '<f4' or float64 '<f8')");
  const bool fortran = trim(value_of("fortran_order")).rfind("True", 0) == 0;
  std::string shape_text = value_of("shape");
  shape_text = shape_text.substr(shape_text.find('(') + 1);
  shape_text = shape_text.substr(0, shape_text.find(')'));
  std::vector<int64_t> shape;
  for (auto f : split_commas(shape_text)) {
    f = trim(f);
    if (f.empty()) continue;
    int64_t v = 0;
    if (std::from_chars(f.data(), f.data() + f.size(), v).ec != std::errc() || v < 0) throw bad("bad shape");
    shape.push_back(v);
  }
  if (shape.size() == 1) shape.insert(shape.begin(), 1);
  if (shape.size() != 2) throw bad("expected a 2-D array (signals x samples), got rank " + std::to_string(shape.size()));
  if (shape[0] == 0 || shape[1] == 0) throw bad("no signals");
  const size_t item = descr == "<f4" ? 4 : 8;
  // Compared by division so that a forged shape cannot overflow the product.
  const size_t available = (data.size() - offset) / item;
  if (size_t(shape[0]) > available / size_t(shape[1]))
    throw bad("truncated data (shape (" + std::to_string(shape[0]) + ", " + std::to_string(shape[1]) +
              ") needs more than the " + std::to_string(available) + " values in the file)");
  const size_t count = size_t(shape[0]) * size_t(shape[1]);
  // The loader assumes a little-endian host, like the rest of disco's file formats.
  auto raw = at::empty({int64_t(count)}, descr == "<f4" ? at::kFloat : at::kDouble);
  std::memcpy(raw.data_ptr(), data.data() + offset, count * item);
  auto out = fortran ? raw.reshape({shape[1], shape[0]}).t() : raw.reshape({shape[0], shape[1]});
  out = out.to(at::kFloat).contiguous();
  if (!at::isfinite(out).all().item<bool>()) throw bad("non-finite values");
  return out;
}

void write_signals_csv(const std::string& path, const at::Tensor& signals, const at::Tensor& latents) {
  auto x = signals.to(at::kCPU).to(at::kFloat).contiguous();
  const int64_t n = x.size(0), length = x.size(1);
  at::Tensor z = latents.defined() ? latents.to(at::kCPU).to(at::kLong).contiguous() : at::Tensor();
  std::string text;
  text.reserve(size_t(n * (length + 1) * 12));
  for (int64_t j = 0; j < length; ++j) text += "x" + std::to_string(j) + ",";
  text += "latent\n";
  const float* p = x.data_ptr<float>();
  char buf[32];
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < length; ++j) {
      std::snprintf(buf, sizeof buf, "%.9g,", double(p[i * length + j]));  // 9 digits round-trip a float
      text += buf;
    }
    if (z.defined())
      for (int64_t c = 0; c < z.size(1); ++c) text += (c ? " " : "") + std::to_string(z[i][c].item<int64_t>());
    text += '\n';
  }
  write_text_atomically(path, text);
}

}  // namespace disco::signal1d
