#pragma once
// A change of ligand pose in R^3 x SO(3) x T^n for a batch of ligands, and how to apply it to one of them. The one
// pose-update type of docking: the reverse step and the forward noising (pose_sampler_step.h) make it, the
// sampler and PoseDiffusion apply it.
#include <ATen/ATen.h>

#include <vector>

#include "geometry.h"
#include "torsion.h"

namespace disco::equivariant {

struct PoseUpdate {
  at::Tensor translation;  // (B, 3) Å, added to the ligand centre
  at::Tensor rotation;     // (B, 3) axis-angle, applied about the ligand centre (left multiplication)
  at::Tensor torsion;      // (T,) radians, one per rotatable bond, ligand after ligand
};

// DiffDock's update of ligand `ligand` of the batch, whose torsions are update.torsion[first_torsion, first_torsion +
// torsions.size()): the rigid motion about the centroid, then the torsion changes, then a Kabsch superposition of
// the result onto the rigidly moved coordinates, so that torsion changes do not move the ligand as a whole (the
// three components stay decoupled). Computed in float64 on the CPU.
std::vector<docking::Vec3> apply_pose_update(const std::vector<docking::Vec3>& pos, const docking::TorsionSet& torsions,
                                             const PoseUpdate& update, int64_t ligand, int64_t first_torsion);

}  // namespace disco::equivariant
