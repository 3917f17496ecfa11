#pragma once
// Gated nonlinearity (Weiler et al. 2018): even scalars pass through SiLU, odd scalars through tanh
// (an odd function, so a pseudoscalar stays a pseudoscalar under reflection), and each l > 0 channel is
// multiplied by sigmoid of its own extra even "gate" scalar. Gates are invariant, so this is equivariant.
#include <ATen/ATen.h>

#include "equivariant/irreps.h"

namespace disco::equivariant {

// The irreps a layer must produce so that gate() yields `features`: features + "n x0e" gates, where n is
// the number of l > 0 channels in `features`.
Irreps gated_irreps(const Irreps& features);

// x: (..., gated_irreps(features).dim()) -> (..., features.dim()).
at::Tensor gate(const at::Tensor& x, const Irreps& features);

}  // namespace disco::equivariant
