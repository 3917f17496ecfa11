#include "conformer_targets.h"

#include <GraphMol/ROMol.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "complex.h"
#include "conformer.h"
#include "disco/atomic_file.h"
#include "disco/error.h"
#include "molecule.h"

namespace fs = std::filesystem;

namespace disco::docking {

namespace {

// Bump when generate_conformer, match_conformer or their options here change what they produce.
constexpr int kConformerCacheVersion = 1;
constexpr const char* kCacheMagic = "disco-conformers";

uint64_t fnv1a(const std::string& text, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

// What the cached file must have been made from: the version, the seed and the ligand itself.
std::string cache_key(const Complex& c, uint32_t seed) {
  char key[17];
  const uint64_t h = fnv1a(c.ligand_molblock, fnv1a(std::to_string(kConformerCacheVersion) + ":" + std::to_string(seed)));
  std::snprintf(key, sizeof key, "%016llx", static_cast<unsigned long long>(h));
  return key;
}

std::string serialise(const LigandConformers& lc, const std::string& key) {
  std::ostringstream out;
  out.precision(17);
  out << kCacheMagic << ' ' << kConformerCacheVersion << '\n'
      << "key " << key << '\n'
      << "method " << lc.method << '\n'
      << "rmsd " << lc.rmsd_conformer << ' ' << lc.rmsd_matched << '\n'
      << "atoms " << lc.conformer.size() << '\n';
  for (size_t i = 0; i < lc.conformer.size(); ++i) {
    const Vec3 &a = lc.conformer[i], &b = lc.matched[i];
    out << a.x << ' ' << a.y << ' ' << a.z << ' ' << b.x << ' ' << b.y << ' ' << b.z << '\n';
  }
  out << "end\n";
  return out.str();
}

// False (with `why`) when the file is missing, from other inputs, or damaged in any way we can see.
bool parse_cache(const std::string& path, const std::string& key, size_t atoms, LigandConformers& lc, std::string& why) {
  std::ifstream in(path);
  if (!in) {
    why = "missing";
    return false;
  }
  std::string word, file_key;
  int version = 0;
  size_t n = 0;
  if (!(in >> word >> version) || word != kCacheMagic) {
    why = "corrupt: no header";
    return false;
  }
  if (version != kConformerCacheVersion) {
    why = "stale: format version " + std::to_string(version);
    return false;
  }
  if (!(in >> word >> file_key) || word != "key") {
    why = "corrupt: no key";
    return false;
  }
  if (file_key != key) {
    why = "stale: made from another ligand or seed";
    return false;
  }
  if (!(in >> word >> lc.method) || word != "method" || !(in >> word >> lc.rmsd_conformer >> lc.rmsd_matched) ||
      word != "rmsd" || !(in >> word >> n) || word != "atoms") {
    why = "corrupt: bad fields";
    return false;
  }
  if (n != atoms) {
    why = "corrupt: " + std::to_string(n) + " atoms for a ligand of " + std::to_string(atoms);
    return false;
  }
  lc.conformer.resize(n);
  lc.matched.resize(n);
  for (size_t i = 0; i < n; ++i) {
    Vec3 &a = lc.conformer[i], &b = lc.matched[i];
    if (!(in >> a.x >> a.y >> a.z >> b.x >> b.y >> b.z)) {
      why = "corrupt: truncated at atom " + std::to_string(i + 1);
      return false;
    }
  }
  if (!(in >> word) || word != "end") {
    why = "corrupt: no end marker";
    return false;
  }
  return true;
}

LigandConformers compute(const Complex& c, uint32_t seed, const Reporter& reporter) {
  const auto mol = mol_from_block(c.ligand_molblock, c.id);
  ConformerOptions co;
  co.seed = seed;
  const Conformer conf = generate_conformer(*mol, c.id, co);
  if (!conf.warning.empty()) reporter.warn(conf.warning);
  if (conf.pos.size() != c.ligand.pos.size())
    throw DataError(c.id + ": the conformer has " + std::to_string(conf.pos.size()) + " atoms, the ligand " +
                    std::to_string(c.ligand.pos.size()));
  MatchOptions mo;
  mo.seed = seed;
  const MatchResult m = match_conformer(conf.pos, c.ligand.pos, c.ligand.torsions, mo);
  LigandConformers lc;
  lc.conformer = conf.pos;
  lc.matched = m.pos;
  lc.rmsd_conformer = m.rmsd_before;
  lc.rmsd_matched = m.rmsd;
  lc.method = conf.method;
  return lc;
}

}  // namespace

uint32_t conformer_seed(const std::string& id, uint64_t seed) {
  return uint32_t(fnv1a(id, fnv1a(std::to_string(seed))) & 0x7fffffffu);  // RDKit's seeds are non-negative ints
}

std::string conformer_cache_path(const std::string& cache_dir, const std::string& id) {
  return (fs::path(cache_dir) / (id + ".conformers")).string();
}

LigandConformers ligand_conformers(const Complex& complex, uint64_t seed, const std::string& cache_dir,
                                   const Reporter& reporter) {
  const uint32_t s = conformer_seed(complex.id, seed);
  if (cache_dir.empty()) return compute(complex, s, reporter);
  const std::string path = conformer_cache_path(cache_dir, complex.id), key = cache_key(complex, s);
  LigandConformers lc;
  std::string why;
  if (parse_cache(path, key, complex.ligand.pos.size(), lc, why)) return lc;
  if (why != "missing") reporter.info(path + ": " + why + "; recomputing the conformers");
  lc = compute(complex, s, reporter);
  fs::create_directories(cache_dir);
  write_text_atomically(path, serialise(lc, key));
  return lc;
}

}  // namespace disco::docking
