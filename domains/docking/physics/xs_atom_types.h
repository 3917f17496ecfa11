// X-Score atom types, as AutoDock Vina assigns them (Trott & Olson 2010, J. Comput. Chem. 31:455, Table 1):
// every heavy atom is one of these, from its element, its AutoDock type in a PDBQT file and its covalent
// neighbours. The type decides the atom's van der Waals radius (the surface distance of every term) and which
// pair terms apply: hydrophobic between two hydrophobic atoms, hydrogen bond between a donor and an acceptor.
//
// The rules (what `xs_types` implements):
// - C: polar (C_P) when bonded to a heteroatom (anything but C and H), else hydrophobic (C_H);
// - N: acceptor when its AutoDock type is NA, donor when bonded to a polar hydrogen (HD): N_P, N_A, N_D, N_DA;
// - O: the same with OA: O_P, O_A, O_D, O_DA;
// - S (and Se, which Vina treats as S) -> S_P; P -> P_P; F, Cl, Br, I -> halogen types (hydrophobic);
// - Mg, Mn, Zn, Ca, Fe and other metals -> Met_D (a donor); Si and B keep types of their own (no pair term but
//   the steric ones).
// Bonds are perceived from distances, as Vina does: two atoms are bonded when closer than 1.1 x the sum of
// their covalent radii.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "geometry.h"

namespace disco::docking {

enum class XsType : int8_t {
  C_H, C_P, N_P, N_D, N_A, N_DA, O_P, O_D, O_A, O_DA, S_P, P_P, F_H, Cl_H, Br_H, I_H, Si, Met_D, B,
};
constexpr int kNumXsTypes = 19;

const char* xs_type_name(XsType t);
double xs_radius(XsType t);  // Å, Vina's xs_vdw_radii
bool xs_is_hydrophobic(XsType t);
bool xs_is_donor(XsType t);
bool xs_is_acceptor(XsType t);
// A hydrogen bond is possible between a donor and an acceptor, in either order.
bool xs_hydrogen_bond(XsType a, XsType b);

// One atom of a PDBQT file: what Vina reads of it.
struct AutodockAtom {
  std::string ad_type;  // "C", "A", "N", "NA", "OA", "SA", "HD", "H", "Zn", ...
  Vec3 pos;
  int serial = 0;       // the record's serial number
  int line = 0;         // 1-based line in the PDBQT text, for messages
  bool hydrogen() const { return ad_type == "H" || ad_type == "HD"; }
};

// The XS type of each heavy atom of `atoms` (hydrogens are skipped), in order; `heavy_index` receives, for each
// heavy atom, its index in `atoms`. Throws DataError "<name>:<line>: ..." for an AutoDock type Vina would not
// know (it names the atom and the type).
std::vector<XsType> xs_types(const std::vector<AutodockAtom>& atoms, const std::string& name,
                             std::vector<int64_t>* heavy_index = nullptr);

// Covalent radius (Å) of an AutoDock type, Vina's table; metals not in it get 1.75 Å.
double autodock_covalent_radius(const std::string& ad_type);

}  // namespace disco::docking
