// Irreps parsing, real spherical harmonics, Wigner-D, Clebsch-Gordan coefficients and the weighted tensor
// product: orthonormality, D(R) consistency, equivariance under rotations and reflections.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
// torch before doctest (glog's CHECK clobbers doctest's)
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "equivariant/clebsch_gordan.h"
#include "equivariant/gate.h"
#include "equivariant/irreps.h"
#include "equivariant/spherical_harmonics.h"
#include "equivariant/tensor_product.h"
#include "equivariant/tensor_product_conv.h"
#include "test_helpers.h"

using namespace disco::equivariant;
using disco::equivariant::testing::max_abs_diff;
using disco::equivariant::testing::random_reflection;
using disco::equivariant::testing::random_rotation;

namespace {
const auto kF64 = at::TensorOptions().dtype(at::kDouble);

// Nearly uniform points on the sphere (Fibonacci lattice).
at::Tensor sphere_points(int64_t n) {
  const at::Tensor i = at::arange(n, kF64) + 0.5;
  const at::Tensor z = 1.0 - 2.0 * i / n;
  const at::Tensor r = at::sqrt(1.0 - z * z);
  const at::Tensor phi = i * M_PI * (3.0 - std::sqrt(5.0));
  return at::stack({r * at::cos(phi), r * at::sin(phi), z}, 1);
}
}  // namespace

TEST_CASE("irreps parse, dimensions and errors") {
  const Irreps ir = Irreps::parse("24x0e + 24x0o + 6x1o + 6x1e");
  CHECK(ir.size() == 4);
  CHECK(ir.dim() == 24 + 24 + 18 + 18);
  CHECK(ir.offset(2) == 48);
  CHECK(ir.count(Irrep{0, 1}) == 24);
  CHECK(ir.to_string() == "24x0e + 24x0o + 6x1o + 6x1e");
  CHECK(Irreps::parse("1o").dim() == 3);
  CHECK(Irreps::spherical_harmonics(2).to_string() == "1x0e + 1x1o + 1x2e");
  CHECK_THROWS_AS(Irreps::parse("3x1q"), std::invalid_argument);
  CHECK_THROWS_AS(Irreps::parse("ax0e"), std::invalid_argument);
  CHECK_THROWS_AS(Irreps::parse("2x3e"), std::invalid_argument);
  CHECK_THROWS_AS(Irreps::parse("1x0e + "), std::invalid_argument);
  CHECK(can_couple({1, -1}, {1, -1}, {1, 1}));
  CHECK_FALSE(can_couple({1, -1}, {1, -1}, {1, -1}));
  CHECK_FALSE(can_couple({0, 1}, {1, -1}, {2, 1}));
}

TEST_CASE("spherical harmonics: component normalisation and orthonormality on the sphere") {
  const at::Tensor x = sphere_points(20000);
  const at::Tensor Y = spherical_harmonics(x, 2);  // (n, 9)
  // sum_m Y_lm^2 = 2l + 1 pointwise.
  CHECK(max_abs_diff(Y.narrow(1, 0, 1).pow(2).sum(1), at::full({x.size(0)}, 1.0, kF64)) < 1e-12);
  CHECK(max_abs_diff(Y.narrow(1, 1, 3).pow(2).sum(1), at::full({x.size(0)}, 3.0, kF64)) < 1e-12);
  CHECK(max_abs_diff(Y.narrow(1, 4, 5).pow(2).sum(1), at::full({x.size(0)}, 5.0, kF64)) < 1e-12);
  // Mean over the sphere of Y_i Y_j = delta_ij.
  const at::Tensor gram = Y.t().matmul(Y) / static_cast<double>(x.size(0));
  const double err = max_abs_diff(gram, at::eye(9, kF64));
  MESSAGE("SH orthonormality error (Fibonacci quadrature, 20000 points): " << err);
  CHECK(err < 1e-3);
  // Parity: Y_l(-x) = (-1)^l Y_l(x).
  const at::Tensor Yn = spherical_harmonics(-x, 2);
  CHECK(max_abs_diff(Yn.narrow(1, 1, 3), -Y.narrow(1, 1, 3)) < 1e-12);
  CHECK(max_abs_diff(Yn.narrow(1, 4, 5), Y.narrow(1, 4, 5)) < 1e-12);
  // Scale invariance when normalising.
  CHECK(max_abs_diff(spherical_harmonics(3.7 * x, 2), Y) < 1e-12);
}

TEST_CASE("Wigner-D: Y(Rx) = D(R) Y(x), orthogonal, a homomorphism") {
  at::Generator gen = at::detail::createCPUGenerator(7);
  const at::Tensor x = at::randn({50, 3}, gen, kF64);
  for (int trial = 0; trial < 3; ++trial) {
    const at::Tensor R1 = random_rotation(gen), R2 = random_rotation(gen);
    for (int l = 0; l <= 2; ++l) {
      const int64_t off = l * l, d = 2 * l + 1;
      const at::Tensor D = wigner_d(l, R1);
      const at::Tensor lhs = spherical_harmonics(x.matmul(R1.t()), 2).narrow(1, off, d);
      const at::Tensor rhs = spherical_harmonics(x, 2).narrow(1, off, d).matmul(D.t());
      CHECK(max_abs_diff(lhs, rhs) < 1e-10);
      CHECK(max_abs_diff(D.matmul(D.t()), at::eye(d, kF64)) < 1e-10);
      CHECK(max_abs_diff(wigner_d(l, R1.matmul(R2)), D.matmul(wigner_d(l, R2))) < 1e-10);
    }
  }
}

TEST_CASE("axis-angle <-> matrix round trip") {
  at::Generator gen = at::detail::createCPUGenerator(3);
  at::Tensor v = at::randn({20, 3}, gen, kF64);
  v = v / v.norm(2, 1, true) * at::rand({20, 1}, gen, kF64) * 3.0;
  const at::Tensor R = axis_angle_to_matrix(v);
  CHECK(max_abs_diff(R.matmul(R.transpose(1, 2)), at::eye(3, kF64).expand({20, 3, 3})) < 1e-12);
  CHECK(max_abs_diff(at::linalg_det(R), at::ones({20}, kF64)) < 1e-12);
  CHECK(max_abs_diff(matrix_to_axis_angle(R), v) < 1e-8);
}

TEST_CASE("Clebsch-Gordan: equivariant, normalised, cross and dot products") {
  at::Generator gen = at::detail::createCPUGenerator(11);
  const at::Tensor R = random_rotation(gen);
  for (int l1 = 0; l1 <= 2; ++l1)
    for (int l2 = 0; l2 <= 2; ++l2)
      for (int l3 = std::abs(l1 - l2); l3 <= std::min(2, l1 + l2); ++l3) {
        CAPTURE(l1);
        CAPTURE(l2);
        CAPTURE(l3);
        const at::Tensor C = clebsch_gordan(l1, l2, l3);
        CHECK(std::abs(C.pow(2).sum().item<double>() - (2 * l3 + 1)) < 1e-10);
        const at::Tensor a = at::randn({2 * l1 + 1}, gen, kF64), b = at::randn({2 * l2 + 1}, gen, kF64);
        const at::Tensor out = at::einsum("i,j,ijk->k", {a, b, C});
        const at::Tensor out_rot =
            at::einsum("i,j,ijk->k", {wigner_d(l1, R).matmul(a), wigner_d(l2, R).matmul(b), C});
        CHECK(max_abs_diff(out_rot, wigner_d(l3, R).matmul(out)) < 1e-10);
      }
  CHECK_THROWS_AS(clebsch_gordan(1, 1, 3), std::invalid_argument);
  CHECK_THROWS_AS(clebsch_gordan(0, 2, 1), std::invalid_argument);
  // 1 x 1 -> 1 is the cross product and 1 x 1 -> 0 the dot product (up to the fixed scale).
  const at::Tensor a = at::randn({3}, gen, kF64), b = at::randn({3}, gen, kF64);
  const at::Tensor cross = at::einsum("i,j,ijk->k", {a, b, clebsch_gordan(1, 1, 1)});
  CHECK(max_abs_diff(cross, at::linalg_cross(a, b) / std::sqrt(2.0)) < 1e-10);
  const at::Tensor dot = at::einsum("i,j,ijk->k", {a, b, clebsch_gordan(1, 1, 0)});
  CHECK(std::abs(dot.item<double>() - a.dot(b).item<double>() / std::sqrt(3.0)) < 1e-10);
}

TEST_CASE("weighted tensor product and gate are O(3)-equivariant (rotations and reflections)") {
  at::Generator gen = at::detail::createCPUGenerator(5);
  const Irreps in = Irreps::parse("3x0e + 2x0o + 2x1o + 2x1e");
  const Irreps sh = Irreps::spherical_harmonics(2);
  const Irreps features = Irreps::parse("4x0e + 3x0o + 2x1o + 3x1e + 2x2e + 1x2o");
  WeightedTensorProduct tp(in, sh, gated_irreps(features));
  tp->to(at::kDouble);
  const int64_t E = 16;
  const at::Tensor x = at::randn({E, in.dim()}, gen, kF64);
  const at::Tensor r = at::randn({E, 3}, gen, kF64);
  const at::Tensor w = at::randn({E, tp->weight_numel()}, gen, kF64);
  const at::Tensor out = gate(tp->forward(x, spherical_harmonics(r, 2), w), features);
  CHECK(out.size(1) == features.dim());
  CHECK(out.abs().sum().item<double>() > 0);
  for (int reflect = 0; reflect <= 1; ++reflect) {
    const at::Tensor Q = reflect ? random_reflection(gen) : random_rotation(gen);
    const at::Tensor x_q = x.matmul(irreps_representation(in, Q).t());
    const at::Tensor out_q = gate(tp->forward(x_q, spherical_harmonics(r.matmul(Q.t()), 2), w), features);
    const double err = max_abs_diff(out_q, out.matmul(irreps_representation(features, Q).t()));
    MESSAGE("tensor product + gate equivariance error (float64, " << std::string(reflect ? "reflection" : "rotation")
                                                                  << "): " << err);
    CHECK(err < 1e-10);
  }
}

TEST_CASE("tensor product: the fused no-grad kernel equals the batched matmuls of the autograd path") {
  at::Generator gen = at::detail::createCPUGenerator(9);
  const Irreps in = Irreps::parse("3x0e + 2x0o + 2x1o + 2x1e");
  const Irreps sh = Irreps::spherical_harmonics(2);
  const Irreps out = gated_irreps(Irreps::parse("4x0e + 3x0o + 2x1o + 3x1e + 2x2e + 1x2o"));
  for (const auto dtype : {at::kDouble, at::kFloat}) {
    WeightedTensorProduct tp(in, sh, out);
    tp->to(dtype);
    const auto opts = at::TensorOptions().dtype(dtype);
    const int64_t E = 300;  // several parallel_for grains
    const at::Tensor x = at::randn({E, in.dim()}, gen, opts);
    const at::Tensor y = spherical_harmonics(at::randn({E, 3}, gen, opts), 2);
    // The weights as the edge MLP gives them: a slice of a wider row, as in the chunked convolution.
    const at::Tensor w = at::randn({E, tp->weight_numel() + 5}, gen, opts).narrow(1, 2, tp->weight_numel());
    const at::Tensor with_grad = tp->forward(x, y, w);  // grad mode on: at::bmm per output block
    at::Tensor without;
    {
      at::NoGradGuard no_grad;  // fused_tensor_product (300 edges: the last tile padded)
      without = tp->forward(x, y, w);
    }
    const double err = max_abs_diff(with_grad, without), scale = with_grad.abs().max().item<double>();
    MESSAGE("fused kernel vs bmm (" << (dtype == at::kDouble ? "float64" : "float32") << "): " << err);
    CHECK(scale > 0.1);
    CHECK(err < (dtype == at::kDouble ? 1e-12 : 1e-5) * scale);
  }
}

TEST_CASE("tensor-product convolution: inference in edge chunks on several threads equals the autograd path") {
  at::manual_seed(11);
  at::Generator gen = at::detail::createCPUGenerator(11);
  TensorProductConvOptions o;
  o.in = Irreps::parse("6x0e + 2x0o + 2x1o + 1x1e");
  o.attr = Irreps::spherical_harmonics(1);
  o.out = Irreps::parse("6x0e + 2x0o + 2x1o + 2x1e");
  o.edge_scalar_dim = 5;
  o.mlp_hidden = 8;
  TensorProductConv conv(o);
  const int64_t N = 200, E = 2900;  // six chunks of edges, the last one partial
  const at::Tensor h = at::randn({N, o.in.dim()}, gen);
  const at::Tensor src = at::randint(N, {E}, gen, at::kLong), dst = at::randint(N, {E}, gen, at::kLong);
  const at::Tensor attr = spherical_harmonics(at::randn({E, 3}, gen), 1);
  const at::Tensor scalars = at::randn({E, o.edge_scalar_dim}, gen);
  const at::Tensor with_grad = conv->forward(h, src, dst, N, attr, scalars);  // all edges at once
  const int threads = at::get_num_threads();
  auto chunked = [&](int n) {
    at::set_num_threads(n);
    at::NoGradGuard no_grad;
    return conv->forward(h, src, dst, N, attr, scalars);
  };
  const at::Tensor one = chunked(1), two = chunked(2);
  at::set_num_threads(threads);
  const double err = max_abs_diff(one, with_grad), scale = with_grad.abs().max().item<double>();
  MESSAGE("chunked inference vs autograd path: " << err << " (largest output " << scale << ")");
  CHECK(scale > 0.1);
  CHECK(err < 1e-5 * scale);
  CHECK(at::equal(one, two));  // each chunk's rows, summed in edge order whatever the thread count
}
