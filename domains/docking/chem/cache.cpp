// The per-complex graph cache (complex.h): header + serialised Complex, little-endian, written atomically.
//
//   offset  size  field
//   0       8     magic "DSCDOCK\0"
//   8       4     format version (kCacheFormatVersion)
//   12      8     options hash (graph options, form, limits, embeddings folder, format version)
//   20      8     sources hash (path, size and mtime of the protein, ligand and embedding files)
//   28      8     payload size in bytes
//   36      4     CRC-32 of the payload (zlib)
//   40      ...   payload
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <type_traits>

#include "complex.h"
#include "disco/atomic_file.h"
#include "disco/error.h"
#include "disco/read_file.h"

namespace fs = std::filesystem;

namespace disco::docking {

namespace {

constexpr char kMagic[8] = {'D', 'S', 'C', 'D', 'O', 'C', 'K', '\0'};
constexpr size_t kHeaderSize = 40;

struct Hash {  // FNV-1a, 64 bit
  uint64_t h = 1469598103934665603ull;
  void bytes(const void* p, size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ c[i]) * 1099511628211ull;
  }
  template <typename T>
  void add(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes(&v, sizeof v);
  }
  void add(const std::string& s) {
    add(uint64_t(s.size()));
    bytes(s.data(), s.size());
  }
};

uint64_t options_hash(const DatasetOptions& o) {
  Hash h;
  h.add(kCacheFormatVersion);
  h.add(o.form);
  h.add(o.embeddings_dir);
  h.add(o.graph.receptor_radius);
  h.add(o.graph.receptor_max_neighbours);
  h.add(uint64_t(o.graph.max_automorphisms));
  h.add(o.min_ligand_atom_distance);
  h.add(o.min_protein_distance);
  h.add(o.max_contact_distance);
  return h.h;
}

uint64_t sources_hash(const ComplexFiles& files, const DatasetOptions& o) {
  Hash h;
  std::vector<std::string> paths{files.protein};
  paths.insert(paths.end(), files.ligands.begin(), files.ligands.end());
  if (!o.embeddings_dir.empty()) paths.push_back((fs::path(o.embeddings_dir) / (files.id + ".npy")).string());
  for (const auto& p : paths) {
    h.add(p);
    std::error_code ec;
    const auto size = fs::file_size(p, ec);
    h.add(uint64_t(ec ? ~0ull : size));
    const auto time = fs::last_write_time(p, ec);
    h.add(int64_t(ec ? 0 : time.time_since_epoch().count()));
  }
  return h.h;
}

// Writer and Reader share one field list (`fields` below), so the two directions cannot drift apart.
class Writer {
 public:
  template <typename T>
  void operator()(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void operator()(bool b) { (*this)(uint8_t(b)); }
  void operator()(const std::string& s) {
    (*this)(uint64_t(s.size()));
    out_.append(s);
  }
  void operator()(const ResidueId& r) {
    (*this)(r.chain);
    (*this)(r.number);
    (*this)(r.insertion);
    (*this)(r.name);
  }
  template <typename T>
  void operator()(const std::vector<T>& v) {
    (*this)(uint64_t(v.size()));
    if constexpr (std::is_trivially_copyable_v<T>) {
      out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    } else {
      for (const auto& x : v) (*this)(x);
    }
  }
  void operator()(const std::vector<bool>&) = delete;
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

struct Truncated {};

class Reader {
 public:
  Reader(const char* data, size_t size) : p_(data), end_(data + size) {}
  template <typename T>
  void operator()(T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof v);
    std::memcpy(&v, p_, sizeof v);
    p_ += sizeof v;
  }
  void operator()(bool& b) {
    uint8_t v;
    (*this)(v);
    b = v != 0;
  }
  void operator()(std::string& s) {
    uint64_t n;
    (*this)(n);
    need(n);
    s.assign(p_, n);
    p_ += n;
  }
  void operator()(ResidueId& r) {
    (*this)(r.chain);
    (*this)(r.number);
    (*this)(r.insertion);
    (*this)(r.name);
  }
  template <typename T>
  void operator()(std::vector<T>& v) {
    uint64_t n;
    (*this)(n);
    if constexpr (std::is_trivially_copyable_v<T>) {
      need(n * sizeof(T));
      v.resize(n);
      if (n) std::memcpy(v.data(), p_, n * sizeof(T));  // an empty vector's data() may be null (UB for memcpy)
      p_ += n * sizeof(T);
    } else {
      if (n > size_t(end_ - p_)) throw Truncated{};  // each element takes at least one byte
      v.resize(n);
      for (auto& x : v) (*this)(x);
    }
  }
  bool at_end() const { return p_ == end_; }

 private:
  void need(uint64_t n) {
    if (n > uint64_t(end_ - p_)) throw Truncated{};
  }
  const char* p_;
  const char* end_;
};

static_assert(std::is_trivially_copyable_v<Vec3> && sizeof(Vec3) == 24);

// The payload: every field of a Complex, in this order. (Changing it means bumping kCacheFormatVersion.)
template <typename IO, typename C>
void fields(IO& io, C& c) {
  io(c.id);
  io(c.layout);
  io(c.protein_file);
  io(c.ligand_file);
  io(c.ligand_reader);
  auto& g = c.receptor;
  io(g.ca);
  io(g.n_offset);
  io(g.c_offset);
  io(g.residue_type);
  io(g.chain_index);
  io(g.chains);
  io(g.residues);
  io(g.embedding);
  io(g.embedding_dim);
  io(g.edges.src);
  io(g.edges.dst);
  auto& l = c.ligand;
  io(l.pos);
  io(l.atom_features);
  io(l.bonds);
  io(l.bond_features);
  io(l.torsions.num_atoms);
  io(l.torsions.bonds);
  io(l.torsions.mask);
  io(l.torsions.dihedrals);
  io(l.automorphisms);
  io(l.automorphisms_truncated);
  io(c.ligand_molblock);
  io(c.protein_atoms);
  io(c.hydrogens_dropped);
  io(c.waters_dropped);
  io(c.hetero_groups);
  io(c.nearest_protein_atom);
  io(c.warnings);
}

std::string serialise(const Complex& c) {
  Writer w;
  fields(w, c);
  return std::move(w.bytes());
}

// Structural checks a CRC cannot make (a cache written by a buggy build would pass the CRC).
bool consistent(const Complex& c) {
  const size_t n = c.receptor.ca.size(), m = c.ligand.pos.size();
  const auto& t = c.ligand.torsions;
  bool ok = n > 0 && m > 0 && c.receptor.n_offset.size() == n && c.receptor.c_offset.size() == n &&
            c.receptor.residue_type.size() == n && c.receptor.chain_index.size() == n && c.receptor.residues.size() == n &&
            c.receptor.edges.src.size() == c.receptor.edges.dst.size() &&
            c.receptor.embedding.size() == n * size_t(c.receptor.embedding_dim) &&
            c.ligand.atom_features.size() == m * kNumAtomFeatures &&
            c.ligand.bond_features.size() == c.ligand.bonds.size() * kNumBondFeatures && t.num_atoms == int64_t(m) &&
            t.mask.size() == t.bonds.size() * m && t.dihedrals.size() == t.bonds.size();
  for (size_t k = 0; ok && k < c.receptor.edges.src.size(); ++k)
    ok = size_t(c.receptor.edges.src[k]) < n && size_t(c.receptor.edges.dst[k]) < n;
  for (const auto& b : c.ligand.bonds) ok = ok && size_t(b[0]) < m && size_t(b[1]) < m;
  for (const auto& a : c.ligand.automorphisms) ok = ok && a.size() == m;
  return ok;
}

}  // namespace

std::string cache_path(const std::string& cache_dir, const std::string& id) {
  return (fs::path(cache_dir) / (id + ".dgraph")).string();
}

bool read_cached_complex(const std::string& path, const ComplexFiles& files, const DatasetOptions& options,
                         Complex& out, std::string& why) {
  const auto read = read_file_if_possible(path);
  if (!read) {
    why = "missing";
    return false;
  }
  const std::string& bytes = *read;
  if (bytes.size() < kHeaderSize || std::memcmp(bytes.data(), kMagic, 8) != 0) {
    why = "corrupt: not a disco graph cache file";
    return false;
  }
  Reader header(bytes.data() + 8, kHeaderSize - 8);
  uint32_t version, crc;
  uint64_t opt_hash, src_hash, payload;
  header(version);
  header(opt_hash);
  header(src_hash);
  header(payload);
  header(crc);
  if (version != kCacheFormatVersion) {
    why = "stale: format version " + std::to_string(version) + ", this build writes " + std::to_string(kCacheFormatVersion);
    return false;
  }
  if (opt_hash != options_hash(options)) {
    why = "stale: built with other options";
    return false;
  }
  if (src_hash != sources_hash(files, options)) {
    why = "stale: the input files changed";
    return false;
  }
  if (payload != bytes.size() - kHeaderSize) {
    why = "corrupt: " + std::to_string(bytes.size() - kHeaderSize) + " payload bytes, header says " + std::to_string(payload);
    return false;
  }
  const char* data = bytes.data() + kHeaderSize;
  if (uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(data), uInt(payload))) != crc) {
    why = "corrupt: CRC-32 mismatch";
    return false;
  }
  Complex c;
  try {
    Reader r(data, payload);
    fields(r, c);
    if (!r.at_end()) throw Truncated{};
  } catch (const Truncated&) {
    why = "corrupt: payload does not parse";
    return false;
  }
  if (!consistent(c) || c.id != files.id) {
    why = "corrupt: inconsistent graph sizes";
    return false;
  }
  out = std::move(c);
  return true;
}

void write_cached_complex(const std::string& path, const ComplexFiles& files, const DatasetOptions& options,
                          const Complex& complex) {
  const std::string payload = serialise(complex);
  Writer header;
  header.bytes().append(kMagic, 8);
  header(kCacheFormatVersion);
  header(options_hash(options));
  header(sources_hash(files, options));
  header(uint64_t(payload.size()));
  header(uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(payload.data()), uInt(payload.size()))));
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) throw RuntimeError(path + ": cannot create the cache folder: " + ec.message());
  write_text_atomically(path, header.bytes() + payload);
}

}  // namespace disco::docking
