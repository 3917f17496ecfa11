#include "idx.h"

#include <zlib.h>

#include <memory>

#include "disco/error.h"

namespace disco::image {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

void read_exactly(gzFile f, uint8_t* out, size_t n, const std::string& path, const char* what) {
  size_t done = 0;
  while (done < n) {
    const unsigned chunk = unsigned(std::min<size_t>(n - done, size_t(1) << 30));
    const int got = gzread(f, out + done, chunk);
    if (got < 0) {
      int err = 0;
      const char* msg = gzerror(f, &err);
      throw DataError(path + ": cannot read " + what + ": " + (msg ? msg : "zlib error"));
    }
    if (got == 0)
      throw DataError(path + ": truncated " + what + " (expected " + std::to_string(n) + " bytes, got " +
                      std::to_string(done) + ")");
    done += size_t(got);
  }
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) throw DataError(path + ": cannot open (missing or unreadable IDX file)");
  uint8_t magic[4];
  read_exactly(f.get(), magic, 4, path, "header");
  if (magic[0] != 0 || magic[1] != 0) throw DataError(path + ": not an IDX file (bad magic number)");
  if (magic[2] != 0x08)
    throw DataError(path + ": IDX element type 0x" + std::to_string(magic[2]) + " is not supported (only unsigned bytes, 0x08)");
  const int ndims = magic[3];
  if (ndims < 1 || ndims > 4) throw DataError(path + ": IDX file with " + std::to_string(ndims) + " dimensions");
  IdxArray out;
  size_t total = 1;
  for (int d = 0; d < ndims; ++d) {
    uint8_t be[4];
    read_exactly(f.get(), be, 4, path, "header");
    const int64_t n = (int64_t(be[0]) << 24) | (int64_t(be[1]) << 16) | (int64_t(be[2]) << 8) | int64_t(be[3]);
    out.dims.push_back(n);
    total *= size_t(n);
    if (total > (size_t(1) << 34)) throw DataError(path + ": IDX dimensions are implausibly large");
  }
  out.data.resize(total);
  read_exactly(f.get(), out.data.data(), total, path, "data");
  return out;
}

}  // namespace disco::image
