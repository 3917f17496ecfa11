#include "autodock_input.h"

#include <openbabel/mol.h>
#include <openbabel/obconversion.h>

#include <sstream>

#include "chem_logs.h"
#include "disco/error.h"
#include "text_file.h"

namespace disco::docking {

namespace {

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(' ');
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(' ') - a + 1);
}

double column_number(const std::string& line, size_t from, size_t width, const std::string& where, const char* what) {
  const std::string cell = trim(line.substr(from, width));
  try {
    size_t used = 0;
    const double v = std::stod(cell, &used);
    if (used == cell.size()) return v;
  } catch (const std::exception&) {
  }
  throw DataError(where + ": bad " + what + " '" + cell + "' in columns " + std::to_string(from + 1) + "-" +
                  std::to_string(from + width));
}

// Open Babel: `in_format` text -> PDBQT text at pH 7.4 with the given output options.
std::string openbabel_to_pdbqt(const std::string& text, const char* in_format, const std::vector<const char*>& out_options,
                               const std::string& name) {
  ChemLogCapture logs;
  OpenBabel::OBConversion conv;
  if (!conv.SetInAndOutFormats(in_format, "pdbqt")) throw DataError(name + ": Open Babel lacks the " + in_format + " or pdbqt format");
  conv.AddOption("p", OpenBabel::OBConversion::GENOPTIONS, "7.4");
  for (const char* o : out_options) conv.AddOption(o, OpenBabel::OBConversion::OUTOPTIONS);
  std::istringstream in(text);
  std::ostringstream out;
  if (conv.Convert(&in, &out) <= 0)
    throw DataError(name + ": Open Babel could not prepare it as PDBQT: " + logs.first_openbabel_message());
  return out.str();
}

}  // namespace

PdbqtMolecule parse_pdbqt(const std::string& text, const std::string& name) {
  PdbqtMolecule m;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = name + ":" + std::to_string(number);
    if (line.rfind("ATOM", 0) == 0 || line.rfind("HETATM", 0) == 0) {
      if (line.size() < 78)
        throw DataError(where + ": truncated PDBQT atom record (" + std::to_string(line.size()) +
                        " characters; the AutoDock type is in columns 78-79)");
      AutodockAtom a;
      a.serial = int(column_number(line, 6, 5, where, "serial number"));
      a.pos = {column_number(line, 30, 8, where, "x"), column_number(line, 38, 8, where, "y"),
               column_number(line, 46, 8, where, "z")};
      a.ad_type = trim(line.substr(77, 2));
      a.line = number;
      if (a.ad_type.empty()) throw DataError(where + ": no AutoDock type in columns 78-79");
      m.atoms.push_back(a);
    } else if (line.rfind("BRANCH", 0) == 0) {
      std::istringstream fields(line.substr(6));
      int a = 0, b = 0;
      if (!(fields >> a >> b)) throw DataError(where + ": BRANCH needs two atom serial numbers");
      m.rotatable_bonds.push_back({a, b});
    }
  }
  if (m.atoms.empty()) throw DataError(name + ": no ATOM/HETATM record");
  return m;
}

PdbqtMolecule receptor_pdbqt(const std::string& path) {
  const std::string ext = extension_of(path);
  const std::string text = read_text_file(path, "protein");
  if (ext == "pdbqt") return parse_pdbqt(text, path);
  return parse_pdbqt(openbabel_to_pdbqt(text, ext.empty() ? "pdb" : ext.c_str(), {"r"}, path), path + " (as PDBQT)");
}

PdbqtMolecule ligand_pdbqt(const std::string& molblock, const std::string& name) {
  return parse_pdbqt(openbabel_to_pdbqt(molblock, "mol", {"p"}, name), name + " (as PDBQT)");
}

}  // namespace disco::docking
