#include "graph.h"

#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/RingInfo.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "automorphism.h"
#include "disco/error.h"
#include "disco/read_file.h"
#include "text_file.h"

namespace disco::docking {

namespace {

int32_t clamp_index(int64_t v, int64_t lo, int64_t hi) { return int32_t(std::min(std::max(v, lo), hi)); }

int32_t hybridisation_index(RDKit::Atom::HybridizationType h) {
  switch (h) {
    case RDKit::Atom::UNSPECIFIED: return 0;
    case RDKit::Atom::S: return 1;
    case RDKit::Atom::SP: return 2;
    case RDKit::Atom::SP2: return 3;
    case RDKit::Atom::SP3: return 4;
    case RDKit::Atom::SP3D: return 5;
    case RDKit::Atom::SP3D2: return 6;
    default: return 7;
  }
}

// A uniform grid of cells of side `cell` over a point set, for neighbour queries within that distance.
class CellGrid {
 public:
  CellGrid(const std::vector<Vec3>& points, double cell) : cell_(cell) {
    for (size_t i = 0; i < points.size(); ++i) cells_[key(cell_of(points[i]))].push_back(int32_t(i));
  }
  template <typename F>
  void for_near(const Vec3& p, F&& visit) const {
    const auto c = cell_of(p);
    for (int64_t dx = -1; dx <= 1; ++dx)
      for (int64_t dy = -1; dy <= 1; ++dy)
        for (int64_t dz = -1; dz <= 1; ++dz) {
          auto it = cells_.find(key({c[0] + dx, c[1] + dy, c[2] + dz}));
          if (it == cells_.end()) continue;
          for (int32_t j : it->second) visit(j);
        }
  }

 private:
  std::array<int64_t, 3> cell_of(const Vec3& p) const {
    return {int64_t(std::floor(p.x / cell_)), int64_t(std::floor(p.y / cell_)), int64_t(std::floor(p.z / cell_))};
  }
  static uint64_t key(const std::array<int64_t, 3>& c) {
    return (uint64_t(c[0] + (1 << 20)) << 42) ^ (uint64_t(c[1] + (1 << 20)) << 21) ^ uint64_t(c[2] + (1 << 20));
  }
  double cell_;
  std::unordered_map<uint64_t, std::vector<int32_t>> cells_;
};

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h >> 15) << 31, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal
      int e = -1;
      uint32_t m = mant;
      do { ++e; m <<= 1; } while (!(m & 0x400));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (m & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace

const char* atom_feature_name(int column) {
  static const char* names[kNumAtomFeatures] = {"atomic_number", "chirality", "degree", "formal_charge",
                                                "num_hydrogens", "hybridisation", "aromatic", "in_ring",
                                                "ring_count", "smallest_ring"};
  return column >= 0 && column < kNumAtomFeatures ? names[column] : "?";
}

EdgeList LigandGraph::bond_edges() const {
  EdgeList e;
  for (const auto& b : bonds) {
    e.src.push_back(b[0]);
    e.dst.push_back(b[1]);
    e.src.push_back(b[1]);
    e.dst.push_back(b[0]);
  }
  return e;
}

EdgeList radius_edges(const std::vector<Vec3>& pos, double radius, int max_neighbours) {
  EdgeList edges;
  if (pos.empty()) return edges;
  const CellGrid grid(pos, radius);
  const double r2 = radius * radius;
  std::vector<std::pair<double, int32_t>> near;
  for (size_t i = 0; i < pos.size(); ++i) {
    near.clear();
    grid.for_near(pos[i], [&](int32_t j) {
      if (size_t(j) == i) return;
      const double d2 = distance2(pos[i], pos[size_t(j)]);
      if (d2 < r2) near.push_back({d2, j});
    });
    size_t keep = near.size();
    if (max_neighbours > 0 && near.size() > size_t(max_neighbours)) {
      keep = size_t(max_neighbours);
      std::partial_sort(near.begin(), near.begin() + long(keep), near.end());
    } else {
      std::sort(near.begin(), near.end());
    }
    for (size_t k = 0; k < keep; ++k) {
      edges.src.push_back(near[k].second);
      edges.dst.push_back(int32_t(i));
    }
  }
  return edges;
}

EdgeList cross_edges(const std::vector<Vec3>& ligand_pos, const std::vector<Vec3>& receptor_pos, double radius) {
  EdgeList edges;
  if (ligand_pos.empty() || receptor_pos.empty()) return edges;
  const CellGrid grid(receptor_pos, radius);
  const double r2 = radius * radius;
  std::vector<int32_t> near;
  for (size_t i = 0; i < ligand_pos.size(); ++i) {
    near.clear();
    grid.for_near(ligand_pos[i], [&](int32_t j) {
      if (distance2(ligand_pos[i], receptor_pos[size_t(j)]) < r2) near.push_back(j);
    });
    std::sort(near.begin(), near.end());
    for (int32_t j : near) {
      edges.src.push_back(int32_t(i));
      edges.dst.push_back(j);
    }
  }
  return edges;
}

ReceptorGraph build_receptor_graph(const Protein& protein, const GraphOptions& options) {
  ReceptorGraph g;
  g.chains = protein.chains;
  for (const auto& r : protein.residues) {
    const Vec3 ca = r.atom("CA")->pos;
    g.ca.push_back(ca);
    g.n_offset.push_back(r.atom("N")->pos - ca);
    g.c_offset.push_back(r.atom("C")->pos - ca);
    g.residue_type.push_back(residue_type(r.name));
    g.chain_index.push_back(int32_t(std::find(g.chains.begin(), g.chains.end(), r.chain) - g.chains.begin()));
    g.residues.push_back({r.chain, r.number, r.insertion, r.name});
  }
  g.edges = radius_edges(g.ca, options.receptor_radius, options.receptor_max_neighbours);
  return g;
}

LigandGraph build_ligand_graph(const RDKit::ROMol& mol, const GraphOptions& options, std::vector<Vec3> pos) {
  LigandGraph g;
  const unsigned n = mol.getNumAtoms();
  if (pos.empty()) {
    if (mol.getNumConformers() == 0) throw DataError("ligand has no coordinates; generate a conformer first");
    for (const auto& p : mol.getConformer().getPositions()) pos.push_back({p.x, p.y, p.z});
  }
  if (pos.size() != n) throw DataError("ligand coordinates do not match its atoms");
  g.pos = std::move(pos);
  const RDKit::RingInfo* rings = mol.getRingInfo();
  // Chirality as CIP labels: RDKit's CW/CCW tags refer to the order of the atom's bonds in the file, so the
  // same molecule written by two programs would get different features.
  RDKit::RWMol stereo(mol);
  RDKit::MolOps::assignStereochemistry(stereo, /*cleanIt=*/true, /*force=*/true);
  for (unsigned i = 0; i < n; ++i) {
    const RDKit::Atom* a = mol.getAtomWithIdx(i);
    std::string cip;
    const bool tagged = stereo.getAtomWithIdx(i)->getChiralTag() == RDKit::Atom::CHI_TETRAHEDRAL_CW ||
                        stereo.getAtomWithIdx(i)->getChiralTag() == RDKit::Atom::CHI_TETRAHEDRAL_CCW;
    stereo.getAtomWithIdx(i)->getPropIfPresent(RDKit::common_properties::_CIPCode, cip);
    if (a->getAtomicNum() == 1) throw DataError("ligand graph: hydrogens must be removed first");
    const int z = a->getAtomicNum();
    const unsigned ring_count = rings->isInitialized() ? rings->numAtomRings(i) : 0;
    const unsigned smallest = ring_count ? rings->minAtomRingSize(i) : 0;
    const int32_t row[kNumAtomFeatures] = {
        z >= 1 && z <= 118 ? z : 0,
        cip == "R" ? 1 : cip == "S" ? 2 : tagged ? 3 : 0,
        clamp_index(a->getDegree(), 0, 6),
        clamp_index(a->getFormalCharge(), -3, 3) + 3,
        clamp_index(a->getTotalNumHs(), 0, 4),
        hybridisation_index(a->getHybridization()),
        a->getIsAromatic() ? 1 : 0,
        ring_count ? 1 : 0,
        clamp_index(ring_count, 0, 3),
        smallest == 0 ? 0 : smallest <= 8 ? int32_t(smallest) - 2 : 7};
    g.atom_features.insert(g.atom_features.end(), row, row + kNumAtomFeatures);
  }
  std::vector<const RDKit::Bond*> bonds(mol.bonds().begin(), mol.bonds().end());
  auto key = [](const RDKit::Bond* b) {
    const auto i = b->getBeginAtomIdx(), j = b->getEndAtomIdx();
    return std::make_pair(std::min(i, j), std::max(i, j));
  };
  std::sort(bonds.begin(), bonds.end(), [&](const RDKit::Bond* x, const RDKit::Bond* y) { return key(x) < key(y); });
  std::vector<bool> triple;
  for (const auto* b : bonds) {
    const auto [i, j] = key(b);
    g.bonds.push_back({int32_t(i), int32_t(j)});
    int32_t type = 4;
    switch (b->getBondType()) {
      case RDKit::Bond::SINGLE: type = 0; break;
      case RDKit::Bond::DOUBLE: type = 1; break;
      case RDKit::Bond::TRIPLE: type = 2; break;
      case RDKit::Bond::AROMATIC: type = 3; break;
      default: break;
    }
    triple.push_back(type == 2);
    const bool in_ring = rings->isInitialized() && rings->numBondRings(b->getIdx()) > 0;
    g.bond_features.insert(g.bond_features.end(), {type, b->getIsConjugated() ? 1 : 0, in_ring ? 1 : 0});
  }
  g.torsions = find_torsions(n, g.bonds, triple);
  const auto autos = graph_isomorphisms(mol, mol, options.max_automorphisms);
  g.automorphisms = autos.mappings;
  g.automorphisms_truncated = autos.truncated;
  return g;
}

void attach_embeddings(ReceptorGraph& graph, const std::string& npy_path) {
  const auto read = read_file_if_possible(npy_path);
  if (!read) throw DataError(npy_path + ": cannot open the embedding file");
  const std::string& bytes = *read;
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    throw DataError(npy_path + ": not a .npy file (the magic string \\x93NUMPY is missing)");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = size_t(static_cast<unsigned char>(bytes[8])) | size_t(static_cast<unsigned char>(bytes[9])) << 8;
    offset = 10;
  } else {
    if (bytes.size() < 12) throw DataError(npy_path + ": truncated .npy header");
    header_len = 0;
    for (int k = 0; k < 4; ++k) header_len |= size_t(static_cast<unsigned char>(bytes[size_t(8 + k)])) << (8 * k);
    offset = 12;
  }
  if (bytes.size() < offset + header_len) throw DataError(npy_path + ": truncated .npy header");
  const std::string header = bytes.substr(offset, header_len);
  offset += header_len;
  auto field = [&](const std::string& key) {
    const auto k = header.find("'" + key + "'");
    if (k == std::string::npos) throw DataError(npy_path + ": .npy header lacks '" + key + "'");
    return header.substr(header.find(':', k) + 1);
  };
  const std::string descr_field = field("descr");
  const auto q1 = descr_field.find('\''), q2 = descr_field.find('\'', q1 + 1);
  const std::string descr = descr_field.substr(q1 + 1, q2 - q1 - 1);
  if (field("fortran_order").find("True") < field("fortran_order").find(','))
    throw DataError(npy_path + ": Fortran-ordered arrays are not supported (save with np.ascontiguousarray)");
  const std::string shape_field = field("shape");
  std::vector<int64_t> shape;
  {
    const auto open = shape_field.find('('), close = shape_field.find(')');
    std::stringstream ss(shape_field.substr(open + 1, close - open - 1));
    for (std::string item; std::getline(ss, item, ',');)
      if (item.find_first_not_of(" ") != std::string::npos) shape.push_back(std::stoll(item));
  }
  if (shape.size() != 2) throw DataError(npy_path + ": expected a 2-D array [residues, dim], got " +
                                         std::to_string(shape.size()) + " dimensions");
  size_t width;
  if (descr == "<f4" || descr == "=f4") width = 4;
  else if (descr == "<f8" || descr == "=f8") width = 8;
  else if (descr == "<f2" || descr == "=f2") width = 2;
  else throw DataError(npy_path + ": unsupported dtype '" + descr + "' (float16/32/64, little-endian)");
  const size_t count = size_t(shape[0] * shape[1]);
  if (bytes.size() < offset + count * width)
    throw DataError(npy_path + ": truncated data (" + std::to_string(bytes.size() - offset) + " of " +
                    std::to_string(count * width) + " bytes)");
  if (shape[0] != graph.num_nodes())
    throw DataError(npy_path + ": " + std::to_string(shape[0]) + " embedding rows for " +
                    std::to_string(graph.num_nodes()) + " residues (rows must follow the receptor's residue order)");
  graph.embedding.resize(count);
  const char* data = bytes.data() + offset;
  for (size_t i = 0; i < count; ++i) {
    if (width == 4) std::memcpy(&graph.embedding[i], data + 4 * i, 4);
    else if (width == 8) {
      double d;
      std::memcpy(&d, data + 8 * i, 8);
      graph.embedding[i] = float(d);
    } else {
      uint16_t h;
      std::memcpy(&h, data + 2 * i, 2);
      graph.embedding[i] = half_to_float(h);
    }
  }
  graph.embedding_dim = shape[1];
}

}  // namespace disco::docking
