#pragma once
// Real coupling (Clebsch-Gordan) coefficients for l <= 2, computed numerically at first use.
//
// C(l1, l2, l3) is the (2l1+1, 2l2+1, 2l3+1) tensor such that z_k = sum_ij C_ijk x_i y_j is a degree-l3
// feature whenever x, y are degree-l1, -l2 features in the basis of spherical_harmonics():
//   sum_{i'j'k'} D1_{ii'} D2_{jj'} D3_{kk'} C_{i'j'k'} = C_ijk  for every rotation.
// It is the null vector of (D1 (x) D2 (x) D3 - I) stacked over a few generic rotations (unique up to
// scale for |l1 - l2| <= l3 <= l1 + l2). Scale: sum_ijk C_ijk^2 = 2 l3 + 1, so unit-variance inputs
// give unit-variance outputs. Sign: the first entry above 1e-6 in magnitude is positive.
#include <ATen/ATen.h>

namespace disco::equivariant {

// Float64 on the CPU; cached (computed once per triple, thread-safe).
at::Tensor clebsch_gordan(int l1, int l2, int l3);

}  // namespace disco::equivariant
