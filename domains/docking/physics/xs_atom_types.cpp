#include "xs_atom_types.h"

#include <algorithm>
#include <array>
#include <map>

#include "cell_list.h"
#include "disco/error.h"

namespace disco::docking {

namespace {

struct XsInfo {
  const char* name;
  double radius;
  bool hydrophobic, donor, acceptor;
};

// In XsType order. Radii: Vina's xs_vdw_radii (Å).
constexpr std::array<XsInfo, kNumXsTypes> kXs = {{
    {"C_H", 1.9, true, false, false},   {"C_P", 1.9, false, false, false},  {"N_P", 1.8, false, false, false},
    {"N_D", 1.8, false, true, false},   {"N_A", 1.8, false, false, true},   {"N_DA", 1.8, false, true, true},
    {"O_P", 1.7, false, false, false},  {"O_D", 1.7, false, true, false},   {"O_A", 1.7, false, false, true},
    {"O_DA", 1.7, false, true, true},   {"S_P", 2.0, false, false, false},  {"P_P", 2.1, false, false, false},
    {"F_H", 1.5, true, false, false},   {"Cl_H", 1.8, true, false, false},  {"Br_H", 2.0, true, false, false},
    {"I_H", 2.2, true, false, false},   {"Si", 2.2, false, false, false},   {"Met_D", 1.2, false, true, false},
    {"B", 1.9, false, false, false},
}};

const XsInfo& info(XsType t) { return kXs[size_t(t)]; }

// The element class of an AutoDock type: what typing needs to know of it.
enum class Element { H, C, N, O, S, P, F, Cl, Br, I, Si, B, Metal, Unknown };

Element element_of(const std::string& ad) {
  static const std::map<std::string, Element> kTypes = {
      {"H", Element::H},    {"HD", Element::H},   {"HS", Element::H},  {"C", Element::C},   {"A", Element::C},
      {"N", Element::N},    {"NA", Element::N},   {"NS", Element::N},  {"O", Element::O},   {"OA", Element::O},
      {"OS", Element::O},   {"S", Element::S},    {"SA", Element::S},  {"Se", Element::S},  {"P", Element::P},
      {"F", Element::F},    {"Cl", Element::Cl},  {"CL", Element::Cl}, {"Br", Element::Br}, {"BR", Element::Br},
      {"I", Element::I},    {"Si", Element::Si},  {"B", Element::B},   {"Mg", Element::Metal},
      {"MG", Element::Metal}, {"Mn", Element::Metal}, {"MN", Element::Metal}, {"Zn", Element::Metal},
      {"ZN", Element::Metal}, {"Ca", Element::Metal}, {"CA", Element::Metal}, {"Fe", Element::Metal},
      {"FE", Element::Metal}, {"Cu", Element::Metal}, {"Na", Element::Metal}, {"K", Element::Metal},
      {"Hg", Element::Metal}, {"Co", Element::Metal}, {"Ni", Element::Metal}, {"Cd", Element::Metal},
      {"U", Element::Metal}};
  auto it = kTypes.find(ad);
  return it == kTypes.end() ? Element::Unknown : it->second;
}

}  // namespace

const char* xs_type_name(XsType t) { return info(t).name; }
double xs_radius(XsType t) { return info(t).radius; }
bool xs_is_hydrophobic(XsType t) { return info(t).hydrophobic; }
bool xs_is_donor(XsType t) { return info(t).donor; }
bool xs_is_acceptor(XsType t) { return info(t).acceptor; }
bool xs_hydrogen_bond(XsType a, XsType b) {
  return (xs_is_donor(a) && xs_is_acceptor(b)) || (xs_is_donor(b) && xs_is_acceptor(a));
}

double autodock_covalent_radius(const std::string& ad) {
  static const std::map<std::string, double> kRadii = {
      {"C", 0.77},  {"A", 0.77},  {"N", 0.75},  {"NA", 0.75}, {"O", 0.73},  {"OA", 0.73}, {"P", 1.06},
      {"S", 1.02},  {"SA", 1.02}, {"Se", 1.02}, {"H", 0.37},  {"HD", 0.37}, {"F", 0.71},  {"I", 1.33},
      {"Mg", 1.30}, {"Mn", 1.39}, {"Zn", 1.31}, {"Ca", 1.74}, {"Fe", 1.25}, {"Cl", 0.99}, {"Br", 1.14},
      {"Si", 1.11}, {"B", 0.84}};
  auto it = kRadii.find(ad);
  return it == kRadii.end() ? 1.75 : it->second;
}

std::vector<XsType> xs_types(const std::vector<AutodockAtom>& atoms, const std::string& name,
                             std::vector<int64_t>* heavy_index) {
  std::vector<Element> element(atoms.size());
  std::vector<double> covalent(atoms.size());
  std::vector<Vec3> pos(atoms.size());
  for (size_t i = 0; i < atoms.size(); ++i) {
    element[i] = element_of(atoms[i].ad_type);
    if (element[i] == Element::Unknown)
      throw DataError(name + ":" + std::to_string(atoms[i].line) + ": atom " + std::to_string(atoms[i].serial) +
                      " has AutoDock type '" + atoms[i].ad_type + "', which the Vina score cannot type");
    covalent[i] = autodock_covalent_radius(atoms[i].ad_type);
    pos[i] = atoms[i].pos;
  }
  // Bonds from distances (1.1 x the covalent radii), as Vina perceives them; 2 x the largest radius bounds the query.
  const CellList cells(pos, 2.0);
  std::vector<XsType> types;
  if (heavy_index) heavy_index->clear();
  for (size_t i = 0; i < atoms.size(); ++i) {
    if (element[i] == Element::H) continue;
    bool to_heteroatom = false, to_polar_h = false;
    cells.for_each_within(pos[i], 4.0, [&](int64_t j, double d2) {
      if (size_t(j) == i) return;
      const double bond = 1.1 * (covalent[i] + covalent[size_t(j)]);
      if (d2 >= bond * bond) return;
      const Element e = element[size_t(j)];
      if (e != Element::C && e != Element::H) to_heteroatom = true;
      if (atoms[size_t(j)].ad_type == "HD") to_polar_h = true;
    });
    const std::string& ad = atoms[i].ad_type;
    XsType t = XsType::C_H;
    switch (element[i]) {
      case Element::C: t = to_heteroatom ? XsType::C_P : XsType::C_H; break;
      case Element::N: {
        const bool acceptor = ad == "NA";
        t = acceptor ? (to_polar_h ? XsType::N_DA : XsType::N_A) : (to_polar_h ? XsType::N_D : XsType::N_P);
        break;
      }
      case Element::O: {
        const bool acceptor = ad == "OA";
        t = acceptor ? (to_polar_h ? XsType::O_DA : XsType::O_A) : (to_polar_h ? XsType::O_D : XsType::O_P);
        break;
      }
      case Element::S: t = XsType::S_P; break;
      case Element::P: t = XsType::P_P; break;
      case Element::F: t = XsType::F_H; break;
      case Element::Cl: t = XsType::Cl_H; break;
      case Element::Br: t = XsType::Br_H; break;
      case Element::I: t = XsType::I_H; break;
      case Element::Si: t = XsType::Si; break;
      case Element::B: t = XsType::B; break;
      case Element::Metal: t = XsType::Met_D; break;
      case Element::H:
      case Element::Unknown: break;  // handled above
    }
    types.push_back(t);
    if (heavy_index) heavy_index->push_back(int64_t(i));
  }
  return types;
}

}  // namespace disco::docking
