#include "complex.h"

#include <GraphMol/GraphMol.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "chem_logs.h"
#include "decimal_text.h"
#include "disco/atomic_file.h"
#include "disco/error.h"
#include "molecule.h"
#include "text_file.h"

namespace fs = std::filesystem;

namespace disco::docking {

namespace {

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// Heavy-atom positions of the protein's residues.
std::vector<Vec3> protein_heavy_atoms(const Protein& protein) {
  std::vector<Vec3> out;
  for (const auto& r : protein.residues)
    for (const auto& a : r.atoms)
      if (a.element != "H" && a.element != "D") out.push_back(a.pos);
  return out;
}

}  // namespace

std::vector<std::string> read_split(const std::string& path) {
  const std::string text = read_text_file(path, "split (one id per line)");
  std::vector<std::string> ids;
  std::set<std::string> seen;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string id;
    words >> id;
    if (id.empty()) continue;
    if (seen.insert(id).second) ids.push_back(id);
  }
  if (ids.empty()) throw DataError(path + ": no ids in the split file");
  return ids;
}

ComplexFiles find_complex(const std::string& root, const std::string& id, const std::string& form) {
  ComplexFiles f;
  f.id = id;
  const fs::path dir = fs::path(root) / id;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw ComplexError(kSkipMissingFiles, "no folder " + dir.string());
  auto in_dir = [&](const std::string& suffix) { return (dir / (id + suffix)).string(); };
  if (form == "pdbqt") {
    f.layout = "pdbqt";
    f.protein = in_dir("_protein.pdbqt");
    f.ligands = {in_dir("_ligand.pdbqt")};
  } else if (form == "auto") {
    if (is_file(in_dir("_protein_processed.pdb"))) {
      f.layout = "diffdock-processed";
      f.protein = in_dir("_protein_processed.pdb");
    } else if (is_file(in_dir("_pocket.pdb"))) {
      f.layout = "pdbbind-raw";
      f.protein = in_dir("_protein.pdb");
      f.pocket = in_dir("_pocket.pdb");
    } else {
      f.layout = "protein-ligand";
      f.protein = in_dir("_protein.pdb");
    }
    f.ligands = {in_dir("_ligand.sdf"), in_dir("_ligand.mol2")};
  } else {
    throw DataError("unknown form '" + form + "' (auto or pdbqt)");
  }
  if (!is_file(f.protein))
    throw ComplexError(kSkipMissingFiles, "no protein file " + f.protein);
  std::vector<std::string> present;
  for (const auto& l : f.ligands)
    if (is_file(l)) present.push_back(l);
  if (present.empty()) {
    std::string looked;
    for (const auto& l : f.ligands) looked += (looked.empty() ? "" : ", ") + file_name(l);
    throw ComplexError(kSkipMissingFiles, "no ligand file (looked for " + looked + ") in " + dir.string());
  }
  return f;
}

namespace {
Complex load_complex_unguarded(const ComplexFiles& files, const DatasetOptions& options);
}  // namespace

Complex load_complex(const ComplexFiles& files, const DatasetOptions& options) {
  try {
    return load_complex_unguarded(files, options);
  } catch (const ComplexError&) {
    throw;
  } catch (const std::exception& e) {
    // A problem no check above foresaw (an RDKit invariant, a bad_alloc, ...) skips this complex only.
    throw ComplexError(kSkipOther, one_line(e.what()));
  }
}

namespace {
Complex load_complex_unguarded(const ComplexFiles& files, const DatasetOptions& options) {
  Complex c;
  c.id = files.id;
  c.layout = files.layout;
  c.protein_file = files.protein;
  Protein protein;
  try {
    protein = read_pdb(files.protein);
  } catch (const DataError& e) {
    throw ComplexError(kSkipProtein, e.what());
  }
  Ligand ligand;
  std::string failures;
  for (const auto& path : files.ligands) {
    if (!is_file(path)) continue;
    try {
      ligand = read_ligand(path);
      c.ligand_file = path;
      if (!failures.empty()) c.warnings.push_back(failures + "; used " + file_name(path));
      break;
    } catch (const DataError& e) {
      failures += (failures.empty() ? "" : "; ") + std::string(e.what());
    }
  }
  if (!ligand.mol) throw ComplexError(kSkipLigand, failures.empty() ? "no ligand file" : failures);
  for (const auto& w : ligand.warnings) c.warnings.push_back(w);
  c.ligand_reader = ligand.reader;
  if (!ligand.has_3d) throw ComplexError(kSkipLigandNot3d, c.ligand_file + ": the ligand has no 3-D coordinates");
  const auto pos = ligand.positions();

  // Superposed alternate conformations show up as heavy atoms almost on top of each other.
  int64_t overlapping = 0;
  double closest = 1e9;
  for (size_t i = 0; i < pos.size(); ++i)
    for (size_t j = i + 1; j < pos.size(); ++j) {
      const double d = distance(pos[i], pos[j]);
      closest = std::min(closest, d);
      overlapping += d < options.min_ligand_atom_distance;
    }
  if (overlapping)
    throw ComplexError(kSkipLigandOverlap, c.ligand_file + ": " + std::to_string(overlapping) +
                                               " heavy-atom pairs closer than " + fixed(options.min_ligand_atom_distance, 1) +
                                               " A (closest " + fixed(closest) +
                                               " A): superposed alternate conformations?");

  const auto protein_atoms = protein_heavy_atoms(protein);
  const EdgeList near = cross_edges(pos, protein_atoms, options.max_contact_distance);
  double nearest = 1e9;
  std::set<int32_t> inside;
  for (size_t k = 0; k < near.size(); ++k) {
    const double d = distance(pos[size_t(near.src[k])], protein_atoms[size_t(near.dst[k])]);
    nearest = std::min(nearest, d);
    if (d < options.min_protein_distance) inside.insert(near.src[k]);
  }
  if (near.size() == 0)
    throw ComplexError(kSkipLigandFar, "no protein atom within " + fixed(options.max_contact_distance, 1) +
                                           " A of the ligand: not a complex (wrong files?)");
  c.nearest_protein_atom = nearest;
  if (!inside.empty())
    throw ComplexError(kSkipLigandInProtein, std::to_string(inside.size()) + " of " + std::to_string(pos.size()) +
                                                 " ligand atoms lie within " + fixed(options.min_protein_distance) +
                                                 " A of protein atoms (nearest " + fixed(nearest) +
                                                 " A): the ligand is also part of the protein file");

  c.receptor = build_receptor_graph(protein, options.graph);
  c.ligand = build_ligand_graph(*ligand.mol, options.graph);
  c.ligand_molblock = mol_block(*ligand.mol);
  c.protein_atoms = protein.atoms();
  c.hydrogens_dropped = protein.hydrogens_dropped;
  c.waters_dropped = protein.waters_dropped;
  c.hetero_groups = int64_t(protein.hetero.size());
  if (!options.embeddings_dir.empty()) {
    const std::string npy = (fs::path(options.embeddings_dir) / (files.id + ".npy")).string();
    try {
      attach_embeddings(c.receptor, npy);
    } catch (const DataError& e) {
      throw ComplexError(kSkipEmbedding, e.what());
    }
  }
  return c;
}
}  // namespace

std::map<std::string, int64_t> LoadSummary::skipped_by_reason() const {
  std::map<std::string, int64_t> out;
  for (const auto& s : skipped) ++out[s.reason];
  return out;
}

std::string LoadSummary::text() const {
  std::string s = "loaded " + std::to_string(loaded) + " of " + std::to_string(listed);
  if (from_cache || cache_written)
    s += " (" + std::to_string(from_cache) + " from the cache, " + std::to_string(cache_written) + " cached now)";
  if (not_read) s += " (the last " + std::to_string(not_read) + " not read: limit reached)";
  if (!ignored_folders.empty()) {
    s += " (ignored " + std::to_string(ignored_folders.size()) + " folder" + (ignored_folders.size() == 1 ? "" : "s") +
         " without ID_* files:";
    for (size_t i = 0; i < ignored_folders.size() && i < 3; ++i) s += " " + ignored_folders[i];
    s += ignored_folders.size() > 3 ? " ...)" : ")";
  }
  if (skipped.empty()) return s + "; skipped 0";
  s += "; skipped " + std::to_string(skipped.size()) + ":";
  bool first = true;
  for (const auto& [reason, n] : skipped_by_reason()) {
    s += std::string(first ? " " : ", ") + reason + " " + std::to_string(n);
    first = false;
  }
  return s;
}

LoadSummary load_dataset(const std::string& root, const DatasetOptions& options, const Reporter& reporter,
                         const std::function<void(const Complex&)>& on_loaded,
                         const std::function<void(const SkippedComplex&)>& on_skipped) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw DataError(root + ": not a folder of complexes");
  if (options.form != "auto" && options.form != "pdbqt")
    throw UsageError("unknown form '" + options.form + "' (auto or pdbqt)");
  std::vector<std::string> ids;
  LoadSummary summary;
  if (!options.split_file.empty()) {
    ids = read_split(options.split_file);
  } else {
    std::vector<std::string> folders;
    for (const auto& entry : fs::directory_iterator(root, ec))
      if (entry.is_directory()) folders.push_back(entry.path().filename().string());
    std::sort(folders.begin(), folders.end());
    // A complex folder ID holds files named ID_*; others (splits/, results/) are not complexes.
    for (const auto& id : folders) {
      bool has_files = false;
      for (const auto& f : fs::directory_iterator(fs::path(root) / id, ec))
        if (f.path().filename().string().rfind(id + "_", 0) == 0) {
          has_files = true;
          break;
        }
      (has_files ? ids : summary.ignored_folders).push_back(id);
    }
    if (ids.empty()) throw DataError(root + ": no complex folders (expected ROOT/ID/ID_protein*.pdb + ID_ligand.sdf)");
  }
  summary.listed = int64_t(ids.size());
  const auto start = std::chrono::steady_clock::now();
  for (size_t k = 0; k < ids.size(); ++k) {
    if (options.enough && options.enough()) {
      summary.not_read = int64_t(ids.size() - k);
      break;
    }
    const std::string& id = ids[k];
    try {
      const ComplexFiles files = find_complex(root, id, options.form);
      Complex c;
      bool cached = false;
      const std::string cpath = options.cache_dir.empty() ? "" : cache_path(options.cache_dir, id);
      if (!cpath.empty()) {
        std::string why;
        cached = read_cached_complex(cpath, files, options, c, why);
        if (!cached && why != "missing") reporter.info(id + ": cache " + why + "; rebuilding " + cpath);
      }
      if (!cached) {
        c = load_complex(files, options);
        if (!cpath.empty()) {
          try {
            write_cached_complex(cpath, files, options, c);
            ++summary.cache_written;
          } catch (const RuntimeError& e) {
            reporter.warn(std::string(e.what()) + " (continuing without caching " + id + ")");
          }
        }
      } else {
        ++summary.from_cache;
      }
      for (const auto& w : c.warnings) reporter.warn(id + ": " + w);
      ++summary.loaded;
      on_loaded(c);
    } catch (const ComplexError& e) {
      SkippedComplex s{id, e.reason, e.what()};
      summary.skipped.push_back(s);
      if (on_skipped) on_skipped(s);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    reporter.tick(int64_t(k + 1), int64_t(ids.size()), seconds, "complexes");
  }
  return summary;
}

std::vector<GraphDifference> compare_complexes(const Complex& a, const Complex& b, double tolerance) {
  std::vector<GraphDifference> out;
  auto n = [](auto v) { return std::to_string(v); };
  const auto& ra = a.receptor;
  const auto& rb = b.receptor;
  if (ra.num_nodes() != rb.num_nodes()) {
    out.push_back({"receptor-size", n(ra.num_nodes()) + " vs " + n(rb.num_nodes()) + " residues"});
  } else {
    int64_t moved = 0, retyped = 0;
    for (size_t i = 0; i < ra.ca.size(); ++i) {
      moved += distance(ra.ca[i], rb.ca[i]) > tolerance || distance(ra.n_offset[i], rb.n_offset[i]) > tolerance ||
               distance(ra.c_offset[i], rb.c_offset[i]) > tolerance;
      retyped += ra.residue_type[i] != rb.residue_type[i];
    }
    if (moved) out.push_back({"receptor-backbone", n(moved) + " residues with other backbone positions"});
    if (retyped) out.push_back({"receptor-types", n(retyped) + " residues of another type"});
    if (!moved && (ra.edges.src != rb.edges.src || ra.edges.dst != rb.edges.dst))
      out.push_back({"receptor-edges", "other radius edges"});
  }
  const auto& la = a.ligand;
  const auto& lb = b.ligand;
  if (la.num_atoms() != lb.num_atoms()) {
    out.push_back({"ligand-size", n(la.num_atoms()) + " vs " + n(lb.num_atoms()) + " heavy atoms"});
    return out;
  }
  int64_t elements = 0, moved = 0;
  std::array<int64_t, kNumAtomFeatures> feature_diffs{};
  for (int64_t i = 0; i < la.num_atoms(); ++i) {
    elements += la.atomic_number(i) != lb.atomic_number(i);
    moved += distance(la.pos[size_t(i)], lb.pos[size_t(i)]) > tolerance;
    for (int f = 0; f < kNumAtomFeatures; ++f) {
      const size_t k = size_t(i * kNumAtomFeatures + f);
      feature_diffs[size_t(f)] += la.atom_features[k] != lb.atom_features[k];
    }
  }
  if (elements) out.push_back({"ligand-elements", n(elements) + " atoms of another element"});
  if (moved) out.push_back({"ligand-positions", n(moved) + " atoms at other positions"});
  std::map<std::array<int32_t, 2>, int32_t> bonds_b;
  for (size_t k = 0; k < lb.bonds.size(); ++k) bonds_b[lb.bonds[k]] = lb.bond_features[k * kNumBondFeatures + kBondType];
  int64_t missing = 0, reordered = 0;
  for (size_t k = 0; k < la.bonds.size(); ++k) {
    auto it = bonds_b.find(la.bonds[k]);
    if (it == bonds_b.end()) ++missing;
    else reordered += it->second != la.bond_features[k * kNumBondFeatures + kBondType];
  }
  if (missing || la.bonds.size() != lb.bonds.size())
    out.push_back({"ligand-connectivity", n(la.bonds.size()) + " vs " + n(lb.bonds.size()) + " bonds, " + n(missing) +
                                              " not shared"});
  if (reordered) out.push_back({"ligand-bond-orders", n(reordered) + " of " + n(la.bonds.size()) + " bonds"});
  std::string features;
  for (int f = 0; f < kNumAtomFeatures; ++f)
    if (f != kAtomicNumber && feature_diffs[size_t(f)])
      features += (features.empty() ? "" : ", ") + std::string(atom_feature_name(f)) + " " + n(feature_diffs[size_t(f)]);
  if (!features.empty()) out.push_back({"ligand-features", features});
  if (la.torsions.bonds != lb.torsions.bonds)
    out.push_back({"ligand-torsions", n(la.torsions.size()) + " vs " + n(lb.torsions.size()) + " rotatable bonds"});
  return out;
}

std::string complex_pdb(const Protein& protein, const std::string& ligand_molblock, const std::vector<Vec3>& ligand_pos) {
  std::string out = protein_pdb_records(protein);
  int serial = 0;
  for (const auto& r : protein.residues) serial += int(r.atoms.size());
  for (const auto& r : protein.hetero) serial += int(r.atoms.size());
  if (!ligand_molblock.empty()) {
    const auto mol = mol_from_block(ligand_molblock, "ligand");
    std::vector<Vec3> pos = ligand_pos;
    if (pos.empty())
      for (const auto& p : mol->getConformer().getPositions()) pos.push_back({p.x, p.y, p.z});
    if (pos.size() != mol->getNumAtoms()) throw DataError("complex_pdb: ligand positions do not match its atoms");
    const int first = serial + 1;
    char buf[96];
    for (unsigned i = 0; i < mol->getNumAtoms(); ++i) {
      std::string element = mol->getAtomWithIdx(i)->getSymbol();
      std::string name = element + std::to_string(i + 1);
      std::transform(name.begin(), name.end(), name.begin(), ::toupper);
      if (name.size() < 4 && element.size() < 2) name = " " + name;
      std::transform(element.begin(), element.end(), element.begin(), ::toupper);
      std::snprintf(buf, sizeof buf, "HETATM%5d %-4.4s LIG L   1    %8.3f%8.3f%8.3f  1.00  0.00          %2s\n",
                    (first + int(i)) % 100000, name.c_str(), pos[i].x, pos[i].y, pos[i].z, element.c_str());
      out += buf;
    }
    for (unsigned i = 0; i < mol->getNumAtoms(); ++i) {
      std::string line;
      std::snprintf(buf, sizeof buf, "CONECT%5d", (first + int(i)) % 100000);
      line = buf;
      int written = 0;
      for (const auto* nb : mol->atomNeighbors(mol->getAtomWithIdx(i))) {
        if (written == 4) {  // at most four partners per CONECT line
          out += line + "\n";
          line = buf;
          written = 0;
        }
        char partner[8];
        std::snprintf(partner, sizeof partner, "%5d", (first + int(nb->getIdx())) % 100000);
        line += partner;
        ++written;
      }
      if (written) out += line + "\n";
    }
  }
  out += "END\n";
  return out;
}

void write_complex_pdb(const std::string& path, const Protein& protein, const std::string& ligand_molblock,
                       const std::vector<Vec3>& ligand_pos) {
  write_text_atomically(path, complex_pdb(protein, ligand_molblock, ligand_pos));
}

}  // namespace disco::docking
