#include "diffusion/pose_update.h"

#include <stdexcept>
#include <string>

namespace disco::equivariant {

namespace {
docking::Vec3 row3(const at::Tensor& rows, int64_t i) {
  const at::Tensor r = rows.to(at::kCPU, at::kDouble).contiguous();
  const double* d = r.data_ptr<double>() + 3 * i;
  return {d[0], d[1], d[2]};
}
}  // namespace

std::vector<docking::Vec3> apply_pose_update(const std::vector<docking::Vec3>& pos, const docking::TorsionSet& torsions,
                                             const PoseUpdate& update, int64_t ligand, int64_t first_torsion) {
  using docking::Vec3;
  std::vector<Vec3> rigid = pos;
  docking::apply_rigid(rigid, docking::rotation_vector_matrix(row3(update.rotation, ligand)),
                       row3(update.translation, ligand));
  if (torsions.size() == 0) return rigid;
  const at::Tensor angles = update.torsion.to(at::kCPU, at::kDouble).contiguous();
  if (first_torsion < 0 || first_torsion + torsions.size() > angles.numel())
    throw std::out_of_range("apply_pose_update: torsions " + std::to_string(first_torsion) + " to " +
                            std::to_string(first_torsion + torsions.size()) + " of " +
                            std::to_string(angles.numel()));
  const double* a = angles.data_ptr<double>() + first_torsion;
  std::vector<Vec3> flexible = rigid;
  docking::apply_torsion_changes(flexible, torsions, std::vector<double>(a, a + torsions.size()));
  const docking::RigidFit fit = docking::kabsch(flexible, rigid);
  for (auto& p : flexible) p = fit.rotation * p + fit.translation;
  return flexible;
}

}  // namespace disco::equivariant
