#include "protein.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

#include "disco/error.h"
#include "text_file.h"

namespace disco::docking {

namespace {

const char* const kResidueNames[kNumResidueTypes] = {"ALA", "ARG", "ASN", "ASP", "CYS", "GLN", "GLU",
                                                     "GLY", "HIS", "ILE", "LEU", "LYS", "MET", "PHE",
                                                     "PRO", "SER", "THR", "TRP", "TYR", "VAL", "UNK"};

// Protonation states and common modified residues, mapped to the standard residue they derive from.
const std::map<std::string, std::string>& residue_aliases() {
  static const std::map<std::string, std::string> aliases = {
      {"MSE", "MET"}, {"FME", "MET"}, {"OMT", "MET"}, {"HID", "HIS"}, {"HIE", "HIS"}, {"HIP", "HIS"},
      {"HSD", "HIS"}, {"HSE", "HIS"}, {"HSP", "HIS"}, {"HIC", "HIS"}, {"NEP", "HIS"}, {"CYX", "CYS"},
      {"CYM", "CYS"}, {"CSO", "CYS"}, {"CSD", "CYS"}, {"CME", "CYS"}, {"OCS", "CYS"}, {"CSS", "CYS"},
      {"SCH", "CYS"}, {"SMC", "CYS"}, {"CAS", "CYS"}, {"SCY", "CYS"}, {"CCS", "CYS"}, {"ASH", "ASP"},
      {"IAS", "ASP"}, {"GLH", "GLU"}, {"PCA", "GLU"}, {"CGU", "GLU"}, {"LYN", "LYS"}, {"MLY", "LYS"},
      {"KCX", "LYS"}, {"LLP", "LYS"}, {"M3L", "LYS"}, {"ALY", "LYS"}, {"SEP", "SER"}, {"TPO", "THR"},
      {"PTR", "TYR"}, {"TYS", "TYR"}, {"TYI", "TYR"}, {"HYP", "PRO"}, {"NLE", "LEU"}, {"MLE", "LEU"},
      {"MVA", "VAL"}, {"DAL", "ALA"}, {"AIB", "ALA"}, {"SAR", "GLY"}};
  return aliases;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

std::string column(const std::string& line, size_t first, size_t last) {  // 1-based, inclusive
  if (line.size() < first) return "";
  return line.substr(first - 1, std::min(line.size(), last) - (first - 1));
}

// AutoDock atom types (PDBQT columns 78-79) to elements.
std::string element_from_autodock_type(const std::string& type) {
  static const std::map<std::string, std::string> map = {
      {"A", "C"},  {"C", "C"},  {"N", "N"},  {"NA", "N"}, {"NS", "N"}, {"OA", "O"}, {"OS", "O"}, {"O", "O"},
      {"SA", "S"}, {"S", "S"},  {"HD", "H"}, {"HS", "H"}, {"H", "H"},  {"P", "P"},  {"F", "F"},  {"Cl", "Cl"},
      {"CL", "Cl"}, {"Br", "Br"}, {"BR", "Br"}, {"I", "I"}, {"Se", "Se"}, {"SE", "Se"}, {"Mg", "Mg"},
      {"MG", "Mg"}, {"Zn", "Zn"}, {"ZN", "Zn"}, {"Ca", "Ca"}, {"CA", "Ca"}, {"Fe", "Fe"}, {"FE", "Fe"},
      {"Mn", "Mn"}, {"MN", "Mn"}, {"Cu", "Cu"}, {"CU", "Cu"}, {"Na", "Na"}, {"K", "K"}, {"Co", "Co"},
      {"Ni", "Ni"}, {"G0", "C"}, {"G1", "C"}, {"G2", "C"}, {"G3", "C"}, {"CG0", "C"}, {"CG1", "C"}};
  auto it = map.find(type);
  return it == map.end() ? type : it->second;
}

std::string normalise_element(std::string e) {
  if (e.empty()) return e;
  e[0] = char(std::toupper(static_cast<unsigned char>(e[0])));
  for (size_t i = 1; i < e.size(); ++i) e[i] = char(std::tolower(static_cast<unsigned char>(e[i])));
  return e;
}

// Element from the atom name when columns 77-78 are blank (old files): in amino acids the first letter of
// the name (SE in selenomethionine); otherwise a name starting in column 13 has a two-letter element.
std::string element_from_name(const std::string& raw_name, bool amino_acid) {
  const std::string name = trim(raw_name);
  if (name.empty()) return "";
  if (amino_acid) return name.rfind("SE", 0) == 0 ? "Se" : std::string(1, name[0]);
  if (raw_name.size() >= 2 && raw_name[0] != ' ' && !std::isdigit(static_cast<unsigned char>(raw_name[0])))
    return normalise_element(raw_name.substr(0, 2));
  for (char c : name)
    if (std::isalpha(static_cast<unsigned char>(c))) return std::string(1, c);
  return "";
}

// A number in columns first..last. With decimals >= 0 it must also fit those columns when written back with that
// many places (as protein_pdb_records writes coordinates): "1e9" fits 8 columns as text, not as 1000000000.000.
double parse_number(const std::string& line, size_t first, size_t last, const std::string& where, const char* what,
                    int decimals = -1) {
  const std::string columns = " (columns " + std::to_string(first) + "-" + std::to_string(last) + ")";
  const std::string field = trim(column(line, first, last));
  if (field.empty()) throw DataError(where + ": missing " + what + columns);
  char* end = nullptr;
  const double v = std::strtod(field.c_str(), &end);
  if (end != field.c_str() + field.size() || !std::isfinite(v))
    throw DataError(where + ": bad " + what + " '" + field + "'" + columns);
  char written[64];
  if (decimals >= 0 && std::snprintf(written, sizeof written, "%.*f", decimals, v) > int(last - first + 1))
    throw DataError(where + ": " + what + " '" + field + "' out of range" + columns);
  return v;
}

struct RawAtom {
  PdbAtom atom;
  char altloc = ' ';
};

struct RawResidue {
  Residue residue;
  std::vector<RawAtom> atoms;
};

bool bonded(const PdbAtom* a, const PdbAtom* b) { return a && b && distance(a->pos, b->pos) < 2.0; }

// Keeps the atoms of one alternate location (the one with the highest total occupancy) plus the atoms that
// have none; returns how many atoms were dropped.
int64_t resolve_altlocs(RawResidue& raw) {
  std::vector<std::pair<char, double>> occupancy;  // in order of first appearance
  for (const auto& a : raw.atoms) {
    if (a.altloc == ' ') continue;
    auto it = std::find_if(occupancy.begin(), occupancy.end(), [&](const auto& p) { return p.first == a.altloc; });
    if (it == occupancy.end()) occupancy.push_back({a.altloc, a.atom.occupancy});
    else it->second += a.atom.occupancy;
  }
  char chosen = ' ';
  double best = -1;
  for (const auto& [id, occ] : occupancy)
    if (occ > best + 1e-9) best = occ, chosen = id;
  int64_t dropped = 0;
  for (auto& a : raw.atoms) {
    if (a.altloc != ' ' && a.altloc != chosen) {
      ++dropped;
      continue;
    }
    const bool duplicate = std::any_of(raw.residue.atoms.begin(), raw.residue.atoms.end(),
                                       [&](const PdbAtom& k) { return k.name == a.atom.name; });
    if (duplicate) {
      ++dropped;
      continue;
    }
    raw.residue.atoms.push_back(a.atom);
  }
  return dropped;
}

}  // namespace

const PdbAtom* Residue::atom(const std::string& atom_name) const {
  for (const auto& a : atoms)
    if (a.name == atom_name) return &a;
  return nullptr;
}

std::string Residue::label() const {
  std::string s;
  s += chain == ' ' ? '_' : chain;
  s += ":" + name + std::to_string(number);
  if (insertion != ' ') s += insertion;
  return s;
}

int64_t Protein::atoms() const {
  int64_t n = 0;
  for (const auto& r : residues)
    for (const auto& a : r.atoms) n += a.element != "H";
  return n;
}

int residue_type(const std::string& residue_name) {
  std::string name = residue_name;
  if (auto it = residue_aliases().find(name); it != residue_aliases().end()) name = it->second;
  for (int i = 0; i < kNumResidueTypes - 1; ++i)
    if (name == kResidueNames[i]) return i;
  return kNumResidueTypes - 1;
}

const char* residue_type_name(int type) {
  return type >= 0 && type < kNumResidueTypes ? kResidueNames[type] : "UNK";
}

bool is_amino_acid(const std::string& residue_name) {
  return residue_type(residue_name) != kNumResidueTypes - 1 || residue_name == "UNK";
}

bool is_water(const std::string& name) {
  return name == "HOH" || name == "WAT" || name == "DOD" || name == "H2O" || name == "TIP" || name == "TIP3" ||
         name == "SOL" || name == "SPC";
}

Protein parse_pdb(const std::string& text, const std::string& name, const PdbOptions& options) {
  check_text(text, name, "PDB");
  const bool pdbqt = extension_of(name) == "pdbqt";
  Protein protein;
  protein.path = name;
  std::vector<RawResidue> raw;
  std::map<std::tuple<char, int, char, std::string, bool>, size_t> index;
  int64_t records = 0;
  size_t line_no = 0, pos = 0;
  bool in_model = false, models_done = false;
  while (pos < text.size() && !models_done) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string record = line.substr(0, 6);
    if (record.rfind("MODEL", 0) == 0) {
      in_model = true;
      continue;
    }
    if (record.rfind("ENDMDL", 0) == 0) {
      if (in_model) models_done = true;
      continue;
    }
    const bool atom = record == "ATOM  " || record == "ATOM";
    const bool hetatm = record == "HETATM";
    if (!atom && !hetatm) continue;
    const std::string where = name + ":" + std::to_string(line_no);
    if (line.size() < 54)
      throw DataError(where + ": truncated " + trim(record) + " record (" + std::to_string(line.size()) +
                      " characters; the coordinates need columns 31-54)");
    ++records;
    RawAtom a;
    a.atom.name = trim(column(line, 13, 16));
    a.altloc = column(line, 17, 17)[0];
    // Residue names are columns 18-20; some force-field tools write four characters (18-21, e.g. TIP3).
    std::string res_name = trim(column(line, 18, 20));
    if (std::isalnum(static_cast<unsigned char>(line[20]))) res_name = trim(column(line, 18, 21));
    const char chain = column(line, 22, 22)[0];
    const std::string seq_field = trim(column(line, 23, 26));
    char* seq_end = nullptr;
    const long seq = std::strtol(seq_field.c_str(), &seq_end, 10);
    if (seq_field.empty() || seq_end != seq_field.c_str() + seq_field.size())
      throw DataError(where + ": bad residue number '" + seq_field + "' (columns 23-26)");
    const char insertion = column(line, 27, 27)[0];
    a.atom.pos = {parse_number(line, 31, 38, where, "x coordinate", 3),
                  parse_number(line, 39, 46, where, "y coordinate", 3),
                  parse_number(line, 47, 54, where, "z coordinate", 3)};
    a.atom.occupancy = trim(column(line, 55, 60)).empty() ? 1.0 : parse_number(line, 55, 60, where, "occupancy");
    a.atom.b_factor = trim(column(line, 61, 66)).empty() ? 0.0 : parse_number(line, 61, 66, where, "B-factor");
    const std::string serial = trim(column(line, 7, 11));
    a.atom.serial = std::atoi(serial.c_str());
    if (pdbqt) a.atom.element = element_from_autodock_type(trim(column(line, 78, 79)));
    else a.atom.element = normalise_element(trim(column(line, 77, 78)));
    if (a.atom.element.empty() || std::isdigit(static_cast<unsigned char>(a.atom.element[0])))
      a.atom.element = element_from_name(column(line, 13, 16), is_amino_acid(res_name));
    if (is_water(res_name)) {
      ++protein.waters_dropped;
      continue;
    }
    if ((a.atom.element == "H" || a.atom.element == "D") && !options.keep_hydrogens) {
      ++protein.hydrogens_dropped;
      continue;
    }
    const auto key = std::make_tuple(chain, int(seq), insertion, res_name, hetatm);
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, raw.size()).first;
      RawResidue r;
      r.residue.name = res_name;
      r.residue.chain = chain;
      r.residue.number = int(seq);
      r.residue.insertion = insertion;
      r.residue.hetatm = hetatm;
      raw.push_back(std::move(r));
    }
    raw[it->second].atoms.push_back(std::move(a));
  }
  if (records == 0) throw DataError(name + ": no ATOM or HETATM records");

  for (auto& r : raw) protein.altloc_atoms_dropped += resolve_altlocs(r);
  // Microheterogeneity: two residue names at one position (altloc A = ARG, B = LYS). Keep the one with the
  // higher occupancy.
  std::vector<bool> dropped(raw.size(), false);
  for (size_t i = 0; i + 1 < raw.size(); ++i) {
    const auto& a = raw[i].residue;
    for (size_t j = i + 1; j < raw.size() && j < i + 3; ++j) {
      const auto& b = raw[j].residue;
      if (dropped[i] || dropped[j] || a.chain != b.chain || a.number != b.number || a.insertion != b.insertion) continue;
      if (a.hetatm != b.hetatm) continue;
      auto occ = [](const Residue& r) {
        double s = 0;
        for (const auto& x : r.atoms) s += x.occupancy;
        return r.atoms.empty() ? 0.0 : s / double(r.atoms.size());
      };
      const size_t loser = occ(b) > occ(a) + 1e-9 ? i : j;
      dropped[loser] = true;
      protein.altloc_atoms_dropped += int64_t(raw[loser].residue.atoms.size());
    }
  }
  for (size_t i = 0; i < raw.size(); ++i) {
    if (dropped[i]) continue;
    Residue& r = raw[i].residue;
    const PdbAtom *n = r.atom("N"), *ca = r.atom("CA"), *c = r.atom("C");
    // A HETATM group is a residue when it is a known (modified) amino acid, or when it has a bonded N-CA-C.
    const bool backbone = n && ca && c;
    const bool amino = !r.hetatm || is_amino_acid(r.name) || (backbone && bonded(n, ca) && bonded(ca, c));
    if (amino && backbone) {
      if (std::find(protein.chains.begin(), protein.chains.end(), r.chain) == protein.chains.end())
        protein.chains.push_back(r.chain);
      protein.residues.push_back(std::move(r));
    } else if (amino && (!r.hetatm || is_amino_acid(r.name))) {
      ++protein.residues_without_backbone;
    } else {
      protein.hetero.push_back(std::move(r));
    }
  }
  if (protein.residues.empty())
    throw DataError(name + ": no amino-acid residue with N, CA and C atoms (" + std::to_string(records) +
                    " atom records, " + std::to_string(protein.residues_without_backbone) +
                    " residues lack a backbone atom)");
  return protein;
}

Protein read_pdb(const std::string& path, const PdbOptions& options) {
  return parse_pdb(read_text_file(path, "PDB"), path, options);
}

std::string protein_pdb_records(const Protein& protein, int first_serial) {
  std::string out;
  char buf[96];
  int serial = first_serial;
  auto write_residue = [&](const Residue& r, bool het) {
    for (const auto& a : r.atoms) {
      // Atom names of 4 characters, or with a two-letter element, start in column 13; others in 14. Occupancy
      // and B-factor are clamped to what their 6 columns hold (the reader accepts e.g. "1e9" there).
      std::string name = a.name;
      if (name.size() < 4 && a.element.size() < 2) name = " " + name;
      std::snprintf(buf, sizeof buf, "%-6s%5d %-4.4s %3.3s %c%4d%c   %8.3f%8.3f%8.3f%6.2f%6.2f          %2.2s\n",
                    het ? "HETATM" : "ATOM", serial++ % 100000, name.c_str(), r.name.c_str(), r.chain, r.number % 10000,
                    r.insertion, a.pos.x, a.pos.y, a.pos.z, std::clamp(a.occupancy, -99.99, 999.99),
                    std::clamp(a.b_factor, -99.99, 999.99), a.element.c_str());
      std::string element = a.element;
      std::transform(element.begin(), element.end(), element.begin(), ::toupper);
      std::string line = buf;
      line.replace(76, 2, element.size() == 1 ? " " + element : element.substr(0, 2));
      out += line;
    }
  };
  char last_chain = 0;
  for (const auto& r : protein.residues) {
    if (last_chain && r.chain != last_chain) out += "TER\n";
    last_chain = r.chain;
    write_residue(r, r.hetatm);
  }
  if (!protein.residues.empty()) out += "TER\n";
  for (const auto& r : protein.hetero) write_residue(r, true);
  return out;
}

}  // namespace disco::docking
