#include "npz.h"

#include <ATen/ATen.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "disco/atomic_file.h"
#include "disco/error.h"

namespace disco::image {
namespace {

std::string npy_descr(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kByte: return "|u1";
    case at::kLong: return "<i8";
    case at::kFloat: return "<f4";
    case at::kDouble: return "<f8";
    default: throw RuntimeError(std::string("npz: unsupported dtype ") + c10::toString(t.scalar_type()));
  }
}

bool little_endian() {
  const uint16_t one = 1;
  uint8_t first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

void put16(std::string& out, uint32_t v) {
  out += char(v & 0xff);
  out += char(v >> 8 & 0xff);
}
void put32(std::string& out, uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

constexpr uint32_t kDosDate1980 = 0x21;  // 1980-01-01, 00:00: a fixed stamp keeps the archive reproducible

}  // namespace

std::string npy_bytes(const at::Tensor& tensor) {
  if (!little_endian()) throw RuntimeError("npz: big-endian hosts are not supported");
  const auto t = tensor.to(at::kCPU).contiguous();
  std::string shape;
  for (int64_t i = 0; i < t.dim(); ++i) shape += (i ? ", " : "") + std::to_string(t.size(i));
  shape = "(" + shape + (t.dim() == 1 ? ",)" : ")");  // Python's tuples: (), (5,), (2, 3)
  std::string header = "{'descr': '" + npy_descr(t) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // magic (6) + version (2) + header length (2) + header, padded with spaces and ended by '\n' to 64 bytes.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  put16(out, uint32_t(header.size()));
  out += header;
  out.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
  return out;
}

void write_npz(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& arrays) {
  write_atomically(path, [&](const std::string& tmp) {
    errno = 0;
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    auto check = [&] {
      if (!f) throw RuntimeError("cannot write '" + path + "': " + (errno ? std::strerror(errno) : "write failed"));
    };
    check();
    uint64_t offset = 0;
    std::string central;
    for (const auto& [name, tensor] : arrays) {
      const std::string data = npy_bytes(tensor), file = name + ".npy";
      if (offset + data.size() + 30 + file.size() >= 0xffffffffull)
        throw RuntimeError("cannot write '" + path + "': over 4 GiB, which needs ZIP64 (not supported): write fewer samples");
      uint32_t crc = uint32_t(crc32(0L, Z_NULL, 0));
      for (size_t done = 0; done < data.size();) {  // zlib's length is a uInt: feed it in chunks
        const size_t n = std::min<size_t>(data.size() - done, 1u << 30);
        crc = uint32_t(crc32(crc, reinterpret_cast<const Bytef*>(data.data() + done), uInt(n)));
        done += n;
      }
      // The fields both headers share: version needed 2.0, no flags, stored, time, date, CRC, sizes, name length.
      std::string common;
      put16(common, 20);
      put16(common, 0);
      put16(common, 0);
      put16(common, 0);
      put16(common, kDosDate1980);
      put32(common, crc);
      put32(common, uint32_t(data.size()));
      put32(common, uint32_t(data.size()));
      put16(common, uint32_t(file.size()));
      std::string local;
      put32(local, 0x04034b50);  // local file header
      local += common;
      put16(local, 0);  // extra field length
      local += file;
      f.write(local.data(), std::streamsize(local.size()));
      f.write(data.data(), std::streamsize(data.size()));
      check();
      put32(central, 0x02014b50);  // central directory header
      put16(central, 20);          // made by: version 2.0
      central += common;
      for (int i = 0; i < 4; ++i) put16(central, 0);  // extra, comment, disk number, internal attributes
      put32(central, 0);                              // external attributes
      put32(central, uint32_t(offset));
      central += file;
      offset += local.size() + data.size();
    }
    if (offset + central.size() >= 0xffffffffull)
      throw RuntimeError("cannot write '" + path + "': over 4 GiB, which needs ZIP64 (not supported): write fewer samples");
    std::string end;
    put32(end, 0x06054b50);  // end of central directory
    put16(end, 0);
    put16(end, 0);
    put16(end, uint32_t(arrays.size()));
    put16(end, uint32_t(arrays.size()));
    put32(end, uint32_t(central.size()));
    put32(end, uint32_t(offset));
    put16(end, 0);  // comment length
    f.write(central.data(), std::streamsize(central.size()));
    f.write(end.data(), std::streamsize(end.size()));
    f.flush();
    check();
  });
}

}  // namespace disco::image
