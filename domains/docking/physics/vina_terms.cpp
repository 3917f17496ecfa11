#include "vina_terms.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace disco::docking {

VinaPairKind vina_pair_kind(XsType a, XsType b) {
  return {xs_radius(a) + xs_radius(b), xs_is_hydrophobic(a) && xs_is_hydrophobic(b), xs_hydrogen_bond(a, b)};
}

double vina_pair_energy(double r, const VinaPairKind& kind) {
  if (r >= kVinaCutoff) return 0;
  const double d = r - kind.radius_sum;
  double e = kVinaGauss1 * std::exp(-(d / 0.5) * (d / 0.5)) + kVinaGauss2 * std::exp(-((d - 3) / 2) * ((d - 3) / 2));
  if (d < 0) e += kVinaRepulsion * d * d;
  if (kind.hydrophobic) e += kVinaHydrophobic * std::clamp(1.5 - d, 0.0, 1.0);
  if (kind.hydrogen_bond) e += kVinaHydrogenBond * std::clamp(-d / 0.7, 0.0, 1.0);
  return e;
}

at::Tensor vina_pair_energy(const at::Tensor& r, const at::Tensor& radius_sum, const at::Tensor& hydrophobic,
                            const at::Tensor& hydrogen_bond) {
  const at::Tensor d = r - radius_sum;
  at::Tensor e = kVinaGauss1 * at::exp(-(d / 0.5).square()) + kVinaGauss2 * at::exp(-((d - 3) / 2).square()) +
                 kVinaRepulsion * d.clamp_max(0).square() + kVinaHydrophobic * hydrophobic * (1.5 - d).clamp(0, 1) +
                 kVinaHydrogenBond * hydrogen_bond * (-d / 0.7).clamp(0, 1);
  return at::where(r < kVinaCutoff, e, at::zeros_like(e));
}

}  // namespace disco::docking
