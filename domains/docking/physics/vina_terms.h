// The Vina scoring function's pair terms and weights (Trott & Olson 2010, Eq. 1-5 and Table 1), on the surface
// distance d = r - R_i - R_j of two heavy atoms with XS radii R (xs_atom_types.h), each term cut off at r = 8 Å:
//   gauss1      exp(-(d / 0.5)^2)                          weight -0.035579
//   gauss2      exp(-((d - 3) / 2)^2)                      weight -0.005156
//   repulsion   d^2 for d < 0, else 0                      weight  0.840245
//   hydrophobic 1 for d < 0.5, 0 for d > 1.5, linear       weight -0.035069  (two hydrophobic atoms)
//   h-bond      1 for d < -0.7, 0 for d > 0, linear        weight -0.587439  (a donor and an acceptor)
// The predicted affinity of a pose divides the intermolecular sum by 1 + 0.05846 N_rot (vina_ligand.h counts
// N_rot as Vina does).
#pragma once
#include <ATen/core/Tensor.h>

#include "xs_atom_types.h"

namespace disco::docking {

constexpr double kVinaCutoff = 8.0;  // Å, on r
constexpr double kVinaGauss1 = -0.035579, kVinaGauss2 = -0.005156, kVinaRepulsion = 0.840245;
constexpr double kVinaHydrophobic = -0.035069, kVinaHydrogenBond = -0.587439;
constexpr double kVinaRotatableWeight = 0.05846;

// What the terms need to know of a pair of atom types.
struct VinaPairKind {
  double radius_sum = 0;   // R_i + R_j
  bool hydrophobic = false;
  bool hydrogen_bond = false;
};
VinaPairKind vina_pair_kind(XsType a, XsType b);

// The weighted sum of the five terms at distance r (0 at r >= kVinaCutoff).
double vina_pair_energy(double r, const VinaPairKind& kind);

// The same on tensors of pairs (broadcasting): r, radius_sum and the 0/1 masks hydrophobic and hydrogen_bond
// of one dtype. Differentiable in r.
at::Tensor vina_pair_energy(const at::Tensor& r, const at::Tensor& radius_sum, const at::Tensor& hydrophobic,
                            const at::Tensor& hydrogen_bond);

}  // namespace disco::docking
