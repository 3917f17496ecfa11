#pragma once
// Weighted tensor product of irreps features x (per edge) with edge attributes y (spherical harmonics, or
// any multiplicity-1 irreps), fully connected per path, with weights given per edge (from an edge MLP):
//
//   out[e, w, k] (block o) = sum_{paths p: (a, b) -> o} alpha_o sum_u sum_ij W[e, p, u, w] x[e, u, i] y[e, j] C_ijk
//
// A path couples input block a (mul_a x (l1, p1)) with attribute block b ((l2, p2), mul 1) to output block
// o (mul_o x (l3, p3)) whenever can_couple() allows it; alpha_o = 1/sqrt(sum of mul_a over the paths into o)
// keeps unit-variance inputs at unit variance. Output blocks that no path reaches are zero.
#include <torch/nn/module.h>

#include <vector>

#include "equivariant/irreps.h"

namespace disco::equivariant {

struct TensorProductPath {
  size_t in_block = 0, attr_block = 0, out_block = 0;
  int64_t weight_offset = 0;  // into the per-edge weight vector; mul_in * mul_out entries
};

class WeightedTensorProductImpl : public torch::nn::Module {
 public:
  WeightedTensorProductImpl(Irreps in, Irreps attr, Irreps out);
  // x: (E, in.dim()), attr: (E, attr.dim()), weights: (E, weight_numel()) -> (E, out.dim())
  at::Tensor forward(const at::Tensor& x, const at::Tensor& attr, const at::Tensor& weights);

  int64_t weight_numel() const { return weight_numel_; }
  const std::vector<TensorProductPath>& paths() const { return paths_; }
  const Irreps& irreps_in() const { return in_; }
  const Irreps& irreps_attr() const { return attr_; }
  const Irreps& irreps_out() const { return out_; }

 private:
  Irreps in_, attr_, out_;
  std::vector<TensorProductPath> paths_;
  std::vector<at::Tensor> coefficients_;  // one CG table per path, float64 (cast to the input's dtype in forward)
  std::vector<double> out_scale_;
  int64_t weight_numel_ = 0;
};
TORCH_MODULE(WeightedTensorProduct);

// The per-edge contraction of one output block without autograd (CPU):
//   y[e, u * d3 + k] = sum_K T[e, K, k] * weights[e, first_weight + K * mul_o + u]
// T: (E, K, d3) contiguous; weights: (E, >= first_weight + K * mul_o) with unit column stride. It is what the
// batched matmul computes, in one pass over each edge's weights: LibTorch 1.13's CPU bmm runs these small
// per-edge products one batch element at a time (a select and a matmul call each), which cost about as
// much as the edge MLP that makes the weights.
at::Tensor contract_per_edge(const at::Tensor& T, const at::Tensor& weights, int64_t first_weight, int64_t mul_o);

// Couples two multiplicity-1 features without weights: (E, 2l1+1) x (E, 2l2+1) -> (E, 2l3+1).
at::Tensor couple(const at::Tensor& a, int l1, const at::Tensor& b, int l2, int l3);

}  // namespace disco::equivariant
