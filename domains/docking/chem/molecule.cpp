#include "molecule.h"

#include <GraphMol/FileParsers/FileParsers.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/SanitException.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <openbabel/mol.h>
#include <openbabel/obconversion.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "chem_logs.h"
#include "disco/atomic_file.h"
#include "disco/error.h"
#include "text_file.h"

namespace disco::docking {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

bool is_sdf(const std::string& f) { return f == "sdf" || f == "mol" || f == "sd" || f == "mdl"; }
bool is_smiles(const std::string& f) { return f == "smi" || f == "smiles" || f == "ism" || f == "can"; }

std::string reason_or(const std::string& reason, const std::string& fallback) {
  return reason.empty() ? fallback : reason;
}

bool conformer_is_3d(const RDKit::ROMol& mol) {
  if (mol.getNumConformers() == 0) return false;
  const auto& conf = mol.getConformer();
  bool any_z = false;
  for (const auto& p : conf.getPositions()) any_z = any_z || std::abs(p.z) > 1e-4;
  return any_z;
}

// Bond orders perceived from geometry (Open Babel on PDBQT/PDB/XYZ) leave protonation as the file's
// hydrogens had it, which RDKit's neutral-atom valence rules reject, and leave sulfonyl groups as
// S(O)(O) with single bonds. The same small fixes as the DSDP conversion (shared/data/dsdp.README.md), so
// that a PDBQT ligand and its SDF give the same graph:
//  - an S with only single bonds to heavy atoms: with 4 heavy neighbours its two terminal O become S=O,
//    with 3 neighbours one terminal O does (sulfone, sulfonamide, sulfonate, sulfoxide); terminal O
//    without H first; 3 heavy neighbours and no terminal O: a sulfonium S+ (an H on it removed);
//  - on a valence error only: an N or O over-valent by an explicit H loses that H (neutral form); a
//    4-connected N without H becomes N+; a 4-connected B becomes B-.
// Returns what was changed.
std::vector<std::string> fix_sulfonyl_groups(RDKit::RWMol& mol) {
  std::vector<std::string> notes;
  std::vector<unsigned> remove;
  for (auto* atom : mol.atoms()) {
    if (atom->getAtomicNum() != 16 || atom->getFormalCharge() != 0) continue;
    std::vector<RDKit::Bond*> terminal_o;  // O with no other heavy neighbour; those without H first
    int heavy = 0;
    bool all_single = true;
    for (auto* bond : mol.atomBonds(atom)) {
      const auto* other = bond->getOtherAtom(atom);
      if (other->getAtomicNum() == 1) continue;
      ++heavy;
      all_single = all_single && bond->getBondType() == RDKit::Bond::SINGLE;
      if (other->getAtomicNum() != 8 || other->getFormalCharge() != 0) continue;
      int other_heavy = 0, other_h = 0;
      for (const auto* nb : mol.atomNeighbors(other)) (nb->getAtomicNum() == 1 ? other_h : other_heavy) += 1;
      if (other_heavy == 1) {
        if (other_h == 0) terminal_o.insert(terminal_o.begin(), bond);
        else terminal_o.push_back(bond);
      }
    }
    if (all_single && heavy == 3 && terminal_o.empty()) {  // R3S: a sulfonium (e.g. SAM); an H on it goes
      atom->setFormalCharge(1);
      for (const auto* nb : mol.atomNeighbors(atom))
        if (nb->getAtomicNum() == 1) remove.push_back(nb->getIdx());
      notes.push_back("S" + std::to_string(atom->getIdx() + 1) + " set to S+");
      continue;
    }
    const size_t want = heavy == 4 ? 2 : heavy == 3 ? 1 : 0;
    if (!all_single || want == 0 || terminal_o.size() < want) continue;
    for (size_t k = 0; k < want; ++k) {
      RDKit::Atom* o = terminal_o[k]->getOtherAtom(atom);
      for (const auto* nb : mol.atomNeighbors(o))
        if (nb->getAtomicNum() == 1) {
          remove.push_back(nb->getIdx());
          break;
        }
      terminal_o[k]->setBondType(RDKit::Bond::DOUBLE);
    }
    notes.push_back("S" + std::to_string(atom->getIdx() + 1) + " given " + std::to_string(want) + " S=O");
  }
  std::sort(remove.rbegin(), remove.rend());
  for (unsigned idx : remove) mol.removeAtom(idx);
  return notes;
}

std::vector<std::string> repair_perceived_valences(RDKit::RWMol& mol) {
  std::vector<std::string> notes;
  std::vector<unsigned> remove;
  mol.updatePropertyCache(false);
  for (auto* atom : mol.atoms()) {
    const int z = atom->getAtomicNum();
    if (atom->getFormalCharge() != 0 || (z != 5 && z != 7 && z != 8)) continue;
    const int valence = atom->calcExplicitValence(false);
    const int allowed = z == 5 ? 3 : z == 7 ? 3 : 2;
    if (valence <= allowed) continue;
    const std::string label = atom->getSymbol() + std::to_string(atom->getIdx() + 1);
    const RDKit::Atom* hydrogen = nullptr;
    for (const auto* nb : mol.atomNeighbors(atom))
      if (nb->getAtomicNum() == 1 && std::find(remove.begin(), remove.end(), nb->getIdx()) == remove.end()) hydrogen = nb;
    if (z != 5 && hydrogen && valence == allowed + 1) {
      remove.push_back(hydrogen->getIdx());
      notes.push_back(label + " lost an H (neutral form)");
    } else if (z == 7 && valence == 4) {
      atom->setFormalCharge(1);
      notes.push_back(label + " set to N+");
    } else if (z == 5 && valence == 4) {
      atom->setFormalCharge(-1);
      notes.push_back(label + " set to B-");
    }
  }
  std::sort(remove.rbegin(), remove.rend());
  for (unsigned idx : remove) mol.removeAtom(idx);
  return notes;
}

// Sanitises, drops every hydrogen (their count stays on the heavy atoms) and wraps the result.
// Throws DataError(where + ": RDKit: <reason>"). With `repair`, a valence error is first met with
// repair_perceived_valences (noted in the ligand's warnings).
Ligand finish(RDKit::RWMol* raw, const std::string& where, const std::string& reader, bool repair = false) {
  std::unique_ptr<RDKit::RWMol> mol(raw);
  std::vector<std::string> repairs;
  if (repair) {
    // Open Babel writes a MOL valence field for atoms whose hydrogens the file did not list (PDBQT keeps polar
    // H only), which would pin those atoms at zero implicit H. The hydrogens a file omits are implicit.
    for (auto* atom : mol->atoms()) {
      atom->setNoImplicit(false);
      atom->setNumExplicitHs(0);
    }
    repairs = fix_sulfonyl_groups(*mol);
  }
  try {
    std::unique_ptr<RDKit::RWMol> backup(repair ? new RDKit::RWMol(*mol) : nullptr);
    try {
      RDKit::MolOps::sanitizeMol(*mol);
    } catch (const RDKit::AtomValenceException&) {
      if (!backup) throw;
      mol = std::move(backup);  // sanitisation may have changed it before failing
      const auto valence_repairs = repair_perceived_valences(*mol);
      if (valence_repairs.empty()) throw;
      repairs.insert(repairs.end(), valence_repairs.begin(), valence_repairs.end());
      RDKit::MolOps::sanitizeMol(*mol);
    }
    // Stereo from the coordinates when there are 3-D ones: they are what a docking model sees, and a
    // reader's own assignment can miss centres (Open Babel's valence fields hide their implicit H).
    if (conformer_is_3d(*mol)) {
      mol->getConformer().set3D(true);
      RDKit::MolOps::assignStereochemistryFrom3D(*mol);
    }
    RDKit::MolOps::removeAllHs(*mol, true);
  } catch (const std::exception& e) {
    throw DataError(where + ": RDKit: " + one_line(e.what()));
  }
  if (mol->getNumAtoms() == 0) throw DataError(where + ": no heavy atoms");
  Ligand lig;
  lig.has_3d = conformer_is_3d(*mol);
  if (mol->hasProp("_Name")) lig.name = one_line(mol->getProp<std::string>("_Name"));
  lig.reader = reader;
  lig.mol = std::shared_ptr<RDKit::ROMol>(mol.release());
  if (!repairs.empty()) {
    std::string text;
    for (const auto& r : repairs) text += (text.empty() ? "" : ", ") + r;
    lig.warnings.push_back("valences repaired after bond perception: " + text);
  }
  return lig;
}

struct Record {
  std::string text;
  size_t first_line;  // 1-based
};

// SDF records end with a "$$$$" line; trailing blank text is not a record.
std::vector<Record> split_sdf(const std::string& text) {
  std::vector<Record> records;
  std::string current;
  size_t line_no = 0, first = 1;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.rfind("$$$$", 0) == 0) {
      records.push_back({current, first});
      current.clear();
      first = line_no + 1;
      continue;
    }
    current += line;
    current += '\n';
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) records.push_back({current, first});
  return records;
}

// "> <name>" data fields after "M  END".
std::map<std::string, std::string> sdf_properties(const std::string& record) {
  std::map<std::string, std::string> props;
  const auto end = record.find("M  END");
  if (end == std::string::npos) return props;
  std::istringstream in(record.substr(end));
  std::string line, key, value;
  bool in_value = false;
  std::getline(in, line);  // M  END
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!in_value && line.rfind(">", 0) == 0) {
      const auto a = line.find('<'), b = line.find('>', a == std::string::npos ? 0 : a);
      if (a != std::string::npos && b != std::string::npos && b > a) {
        key = line.substr(a + 1, b - a - 1);
        value.clear();
        in_value = true;
      }
      continue;
    }
    if (in_value) {
      if (line.empty()) {
        props[key] = value;
        in_value = false;
      } else {
        value += (value.empty() ? "" : "\n") + line;
      }
    }
  }
  if (in_value) props[key] = value;
  return props;
}

std::string record_where(const std::string& name, size_t index, size_t count, size_t line) {
  if (count <= 1) return name;
  return name + ": molecule " + std::to_string(index + 1) + " (line " + std::to_string(line) + ")";
}

std::vector<Ligand> read_with_openbabel(const std::string& text, const std::string& name, const std::string& format,
                                        size_t max_molecules);

std::vector<Ligand> read_sdf(const std::string& text, const std::string& name, const LigandReadOptions& options) {
  const auto records = split_sdf(text);
  if (records.empty()) throw DataError(name + ": no molecule records");
  std::vector<Ligand> out;
  for (size_t i = 0; i < records.size(); ++i) {
    if (options.max_molecules && out.size() >= options.max_molecules) break;
    const std::string where = record_where(name, i, records.size(), records[i].first_line);
    ChemLogCapture logs;
    RDKit::RWMol* raw = nullptr;
    std::string reason;
    try {
      raw = RDKit::MolBlockToMol(records[i].text, /*sanitize=*/false, /*removeHs=*/false, /*strictParsing=*/true);
    } catch (const std::exception& e) {
      reason = one_line(e.what());
    }
    if (!raw) reason = reason_or(reason, reason_or(logs.first_rdkit_message(), "not a MOL record"));
    if (!raw) throw DataError(where + ": RDKit cannot parse the MOL record: " + reason);
    Ligand lig = finish(raw, where, "rdkit-sdf");
    lig.properties = sdf_properties(records[i].text);
    out.push_back(std::move(lig));
  }
  return out;
}

std::vector<Record> split_mol2(const std::string& text) {
  std::vector<Record> records;
  size_t line_no = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.rfind("@<TRIPOS>MOLECULE", 0) == 0) records.push_back({"", line_no});
    if (!records.empty()) records.back().text += line + "\n";
  }
  return records;
}

// RDKit's MOL2 reader indexes its atoms with a bond's origin and target ids unchecked: an id of 0 (or past the
// atoms) crashes it (found by tests/fuzz/fuzz_ligand). Throws DataError "WHERE: line N: ..." for such a record.
void check_mol2_bonds(const Record& record, const std::string& where) {
  std::istringstream in(record.text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  auto line_no = [&](size_t i) { return std::to_string(record.first_line + i); };
  if (lines.size() < 3) return;  // no counts line: RDKit says so
  long num_atoms = 0;
  std::istringstream counts(lines[2]);
  if (!(counts >> num_atoms)) return;  // RDKit rejects it
  size_t bond_section = 0;
  for (size_t i = 0; i < lines.size() && !bond_section; ++i)
    if (lines[i].rfind("@<TRIPOS>BOND", 0) == 0) bond_section = i + 1;
  if (!bond_section) return;
  for (size_t i = bond_section; i < lines.size() && lines[i].rfind("@<TRIPOS>", 0) != 0; ++i) {
    std::istringstream fields(lines[i]);
    std::string id, type;
    long origin = 0, target = 0;
    if (!(fields >> id)) continue;  // blank line
    if (!(fields >> origin >> target >> type))
      throw DataError(where + ": line " + line_no(i) + ": MOL2 bond record needs id, origin atom, target atom, type");
    for (const long atom : {origin, target})
      if (atom < 1 || atom > num_atoms)
        throw DataError(where + ": line " + line_no(i) + ": MOL2 bond refers to atom " + std::to_string(atom) +
                        ", but the record has atoms 1-" + std::to_string(num_atoms));
  }
}

std::vector<Ligand> read_mol2(const std::string& text, const std::string& name, const LigandReadOptions& options) {
  const auto records = split_mol2(text);
  if (records.empty()) throw DataError(name + ": no @<TRIPOS>MOLECULE record (not a MOL2 file)");
  std::vector<Ligand> out;
  for (size_t i = 0; i < records.size(); ++i) {
    if (options.max_molecules && out.size() >= options.max_molecules) break;
    const std::string where = record_where(name, i, records.size(), records[i].first_line);
    check_mol2_bonds(records[i], where);
    std::string reason;
    {
      ChemLogCapture logs;
      RDKit::RWMol* raw = nullptr;
      try {
        raw = RDKit::Mol2BlockToMol(records[i].text, /*sanitize=*/false, /*removeHs=*/false);
      } catch (const std::exception& e) {
        reason = one_line(e.what());
      }
      if (raw) {
        try {
          out.push_back(finish(raw, where, "rdkit-mol2"));
          continue;
        } catch (const DataError& e) {
          reason = e.what();
        }
      } else {
        reason = where + ": RDKit cannot parse the MOL2 record: " +
                 reason_or(reason, reason_or(logs.first_rdkit_message(), "unknown reason"));
      }
    }
    if (!options.openbabel_fallback) throw DataError(reason);
    // RDKit's MOL2 reader knows Corina/Tripos atom typing only; Open Babel reads the rest.
    std::vector<Ligand> ob;
    try {
      ob = read_with_openbabel(records[i].text, where, "mol2", 1);
    } catch (const DataError& e) {
      throw DataError(reason + "; Open Babel fallback: " + e.what());
    }
    ob.front().warnings.push_back("RDKit could not read it (" + reason + "); read with Open Babel");
    out.push_back(std::move(ob.front()));
  }
  return out;
}

std::vector<Ligand> read_smiles_file(const std::string& text, const std::string& name, size_t max_molecules) {
  std::vector<Ligand> out;
  std::istringstream in(text);
  size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream words(line);
    std::string smiles, title;
    words >> smiles;
    std::getline(words, title);
    if (smiles.empty() || smiles[0] == '#') continue;
    if (out.empty() && lower(smiles) == "smiles") continue;  // header row
    if (max_molecules && out.size() >= max_molecules) break;
    Ligand lig = ligand_from_smiles(smiles, name + ":" + std::to_string(line_no));
    lig.name = one_line(title);
    out.push_back(std::move(lig));
  }
  if (out.empty()) throw DataError(name + ": no SMILES found");
  return out;
}

std::vector<Ligand> read_with_openbabel(const std::string& text, const std::string& name, const std::string& format,
                                        size_t max_molecules) {
  ChemLogCapture logs;
  OpenBabel::OBConversion in_conv, out_conv;
  if (!in_conv.SetInFormat(format.c_str()))
    throw DataError(name + ": unknown ligand format '" + format + "' (neither RDKit nor Open Babel reads it)");
  out_conv.SetOutFormat("sdf");
  std::vector<Ligand> out;
  OpenBabel::OBMol ob;
  bool ok = in_conv.ReadString(&ob, text);
  if (!ok) {
    const std::string why = logs.first_openbabel_message();
    throw DataError(name + ": Open Babel cannot read it as " + format + (why.empty() ? "" : ": " + why));
  }
  while (ok) {
    const std::string where = name + (out.empty() ? "" : ": molecule " + std::to_string(out.size() + 1));
    if (ob.NumAtoms() == 0) {
      // An empty record after real ones (Open Babel's PDB reader returns one for a trailing END) ends the file.
      if (out.empty()) throw DataError(where + ": Open Babel read no atoms");
      ob.Clear();
      ok = in_conv.Read(&ob);
      continue;
    }
    const std::string block = out_conv.WriteString(&ob);
    RDKit::RWMol* raw = nullptr;
    std::string reason;
    try {
      raw = RDKit::MolBlockToMol(block, false, false, false);
    } catch (const std::exception& e) {
      reason = one_line(e.what());
    }
    if (!raw) throw DataError(where + ": RDKit cannot parse Open Babel's MOL record: " +
                              reason_or(reason, logs.first_rdkit_message()));
    // Formats with bond orders and hydrogens (SDF, MOL2 through the fallback) are taken as written; for the
    // others Open Babel perceived the bonds from the geometry.
    const bool perceived = !(is_sdf(format) || format == "mol2" || format == "ml2" || format == "cml");
    Ligand lig = finish(raw, where, "openbabel-" + format, perceived);
    if (lig.name.empty()) lig.name = one_line(ob.GetTitle());
    out.push_back(std::move(lig));
    if (max_molecules && out.size() >= max_molecules) break;
    ob.Clear();
    ok = in_conv.Read(&ob);
  }
  return out;
}

}  // namespace

int64_t Ligand::num_atoms() const { return mol ? int64_t(mol->getNumAtoms()) : 0; }

std::vector<Vec3> Ligand::positions() const {
  if (!mol || mol->getNumConformers() == 0)
    throw DataError((name.empty() ? std::string("ligand") : name) + ": no coordinates (SMILES input needs a conformer)");
  std::vector<Vec3> pos;
  for (const auto& p : mol->getConformer().getPositions()) pos.push_back({p.x, p.y, p.z});
  return pos;
}

Ligand ligand_from_smiles(const std::string& smiles, const std::string& name) {
  ChemLogCapture logs;
  std::unique_ptr<RDKit::RWMol> mol;
  std::string reason;
  try {
    mol.reset(RDKit::SmilesToMol(smiles));
  } catch (const std::exception& e) {
    reason = one_line(e.what());
  }
  if (!mol) {
    reason = reason_or(reason, reason_or(logs.first_rdkit_message(), "parse error"));
    throw DataError(name + ": RDKit rejected SMILES '" + smiles + "': " + reason);
  }
  Ligand lig = finish(mol.release(), name, "rdkit-smiles");
  lig.name = smiles;
  return lig;
}

std::vector<Ligand> parse_ligands(const std::string& text, const std::string& name, const LigandReadOptions& options) {
  check_text(text, name, "molecule");
  const std::string format = options.format.empty() ? extension_of(name) : lower(options.format);
  if (format.empty()) throw DataError(name + ": no file extension; say which format it is (e.g. --format sdf)");
  if (is_smiles(format)) return read_smiles_file(text, name, options.max_molecules);
  if (format == "mol2" || format == "ml2") return read_mol2(text, name, options);
  if (is_sdf(format)) {
    try {
      return read_sdf(text, name, options);
    } catch (const DataError& e) {
      if (!options.openbabel_fallback) throw;
      std::vector<Ligand> ob;
      try {
        ob = read_with_openbabel(text, name, "sdf", options.max_molecules);
      } catch (const DataError&) {
        throw e;  // RDKit's reason is the one to show
      }
      for (auto& l : ob) l.warnings.push_back(std::string("RDKit could not read it (") + e.what() + "); read with Open Babel");
      return ob;
    }
  }
  if (!openbabel_can_read(format))
    throw DataError(name + ": unknown ligand format '" + format + "' (RDKit reads sdf, mol, mol2, smi; "
                    "Open Babel does not read it either)");
  return read_with_openbabel(text, name, format, options.max_molecules);
}

std::vector<Ligand> read_ligands(const std::string& path, const LigandReadOptions& options) {
  return parse_ligands(read_text_file(path, "molecule"), path, options);
}

Ligand read_ligand(const std::string& path, const LigandReadOptions& options) {
  LigandReadOptions first = options;
  first.max_molecules = 1;
  return std::move(read_ligands(path, first).front());
}

bool openbabel_can_read(const std::string& format) {
  auto* f = OpenBabel::OBConversion::FindFormat(format.c_str());
  return f && !(f->Flags() & NOTREADABLE);
}

bool openbabel_can_write(const std::string& format) {
  auto* f = OpenBabel::OBConversion::FindFormat(format.c_str());
  return f && !(f->Flags() & NOTWRITABLE);
}

std::string mol_block(const RDKit::ROMol& mol, const std::vector<Vec3>& pos) {
  RDKit::ROMol copy(mol);
  if (!pos.empty()) {
    if (pos.size() != copy.getNumAtoms())
      throw std::invalid_argument("mol_block: " + std::to_string(pos.size()) + " positions for " +
                                  std::to_string(copy.getNumAtoms()) + " atoms");
    if (copy.getNumConformers() == 0) copy.addConformer(new RDKit::Conformer(copy.getNumAtoms()), true);
    auto& conf = copy.getConformer();
    for (size_t i = 0; i < pos.size(); ++i) conf.setAtomPos(unsigned(i), RDGeom::Point3D(pos[i].x, pos[i].y, pos[i].z));
    conf.set3D(true);
  }
  // With 3-D coordinates the stereo is in the coordinates (a reader assigns it from them), so no wedges are
  // written and the chiral tags are dropped: RDKit's wedging fails on some crystal ligands ("no eligible
  // neighbors for chiral center").
  const bool is_3d = conformer_is_3d(copy);  // by the z values: some files with 3-D coordinates say "2D"
  if (is_3d) {
    copy.getConformer().set3D(true);
    for (auto* atom : copy.atoms()) atom->setChiralTag(RDKit::Atom::CHI_UNSPECIFIED);
  }
  ChemLogCapture logs;
  try {
    return RDKit::MolToMolBlock(copy, /*includeStereo=*/!is_3d, /*confId=*/-1, /*kekulize=*/true);
  } catch (const std::exception& e) {
    throw DataError("RDKit cannot write the molecule as a MOL block: " + one_line(e.what()));
  }
}

std::shared_ptr<RDKit::ROMol> mol_from_block(const std::string& block, const std::string& name) {
  ChemLogCapture logs;
  RDKit::RWMol* raw = nullptr;
  try {
    raw = RDKit::MolBlockToMol(block, false, false, true);
  } catch (const std::exception& e) {
    throw DataError(name + ": RDKit cannot parse the MOL record: " + one_line(e.what()));
  }
  if (!raw) throw DataError(name + ": RDKit cannot parse the MOL record: " + logs.first_rdkit_message());
  return finish(raw, name, "rdkit-sdf").mol;
}

std::string ranked_poses_sdf(const RDKit::ROMol& mol, const std::vector<RankedPose>& ranked, const std::string& title) {
  std::string out;
  char buf[64];
  for (size_t i = 0; i < ranked.size(); ++i) {
    std::string block = mol_block(mol, ranked[i].pos);
    block = title + "_rank" + std::to_string(i + 1) + block.substr(block.find('\n'));
    out += block;
    if (ranked[i].confidence) {
      std::snprintf(buf, sizeof buf, "%.4f", *ranked[i].confidence);
      out += "> <disco_confidence>\n" + std::string(buf) + "\n\n";
    }
    out += "> <disco_rank>\n" + std::to_string(i + 1) + "\n\n";
    if (ranked[i].rmsd) {
      std::snprintf(buf, sizeof buf, "%.4f", *ranked[i].rmsd);
      out += "> <disco_rmsd>\n" + std::string(buf) + "\n\n";
    }
    for (const auto& [k, v] : ranked[i].properties)
      if (k != "disco_confidence" && k != "disco_rank" && k != "disco_rmsd") out += "> <" + k + ">\n" + v + "\n\n";
    out += "$$$$\n";
  }
  return out;
}

std::string convert_with_openbabel(const std::string& sdf_text, const std::string& format) {
  if (!openbabel_can_write(format)) throw DataError("Open Babel cannot write format '" + format + "'");
  ChemLogCapture logs;
  OpenBabel::OBConversion conv;
  conv.SetInAndOutFormats("sdf", format.c_str());
  std::istringstream in(sdf_text);
  std::ostringstream out;
  const int n = conv.Convert(&in, &out);
  if (n <= 0) throw DataError("Open Babel could not convert the poses to " + format + ": " + logs.first_openbabel_message());
  return out.str();
}

void write_ranked_poses(const std::string& path, const RDKit::ROMol& mol, const std::vector<RankedPose>& poses,
                        const std::string& format_in) {
  const std::string format = format_in.empty() ? extension_of(path) : lower(format_in);
  std::string title = mol.hasProp("_Name") ? one_line(mol.getProp<std::string>("_Name")) : "";
  if (title.empty()) title = "ligand";
  std::string text = ranked_poses_sdf(mol, poses, title);
  if (!is_sdf(format)) {
    if (format.empty()) throw DataError(path + ": no file extension; name the output format with --format");
    try {
      text = convert_with_openbabel(text, format);
    } catch (const DataError& e) {
      throw DataError(path + ": " + e.what());
    }
  }
  write_text_atomically(path, text);
}

}  // namespace disco::docking
