#include "vina_torsions.h"

namespace disco::docking {

VinaTorsions split_vina_torsions(const TorsionSet& diffusion_torsions, const VinaLigand& ligand) {
  std::vector<bool> rotor(size_t(diffusion_torsions.size()), false);
  for (int64_t i = 0; i < diffusion_torsions.size(); ++i) {
    const auto& b = diffusion_torsions.bonds[size_t(i)];
    for (const auto& r : ligand.rotatable_bonds)
      if ((r[0] == b[0] && r[1] == b[1]) || (r[0] == b[1] && r[1] == b[0])) rotor[size_t(i)] = true;
  }
  std::vector<bool> other(rotor.size());
  for (size_t i = 0; i < rotor.size(); ++i) other[i] = !rotor[i];
  return {select_torsions(diffusion_torsions, rotor), select_torsions(diffusion_torsions, other)};
}

void restore_fixed_torsions(std::vector<Vec3>& pose, const TorsionSet& fixed, const std::vector<Vec3>& conformer) {
  if (fixed.size() == 0) return;
  set_torsion_angles(pose, fixed, torsion_angles(conformer, fixed));
}

}  // namespace disco::docking
