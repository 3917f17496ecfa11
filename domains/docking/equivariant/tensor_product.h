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

// The product laid out for the no-autograd CPU kernel, fused_tensor_product(): every output block with its paths,
// each path's Clebsch-Gordan table (d1, d2, d3) packed into `cg` (float64, cast to the input's dtype).
struct FusedTensorProductPlan {
  struct Path {
    int64_t in_offset = 0, mul_in = 0, d1 = 0;  // the input block: columns of x
    int64_t attr_offset = 0, d2 = 0;            // the attribute block: columns of y
    int64_t cg_offset = 0;                      // into cg
  };
  struct Block {
    int64_t out_offset = 0, mul_o = 0, d3 = 0;
    int64_t weight_offset = 0;  // its paths' weights are contiguous from here: (sum of mul_in) x mul_o, [j][u]
    double scale = 0;           // alpha_o
    std::vector<Path> paths;
  };
  std::vector<Block> blocks;  // the output blocks that some path reaches
  at::Tensor cg;
  int64_t out_dim = 0, max_block_inputs = 0, max_path_coupling = 0;  // scratch sizes, in tiles
  static constexpr int64_t kEdgeTile = 32;  // edges per vectorised tile; the edge count must be a multiple
};

// The whole product without autograd on the CPU, in one pass over each tile of edges: the coupled features
// are formed on the fly, contracted with the weights and written once. It replaces the per-path outer
// products, matmuls, concatenations and LibTorch's CPU bmm (which runs such small per-edge products one batch
// element at a time); those small ops cost as much as the edge MLP that makes the weights. Edges last:
// x_t (in.dim, n), attr_t (attr.dim, n), weights_t (weight_numel, n) -> (out.dim, n), contiguous, n a
// multiple of kEdgeTile.
at::Tensor fused_tensor_product(const FusedTensorProductPlan& plan, const at::Tensor& x_t, const at::Tensor& attr_t,
                                const at::Tensor& weights_t);

// (n, f) rows -> (f, padded) edges last, contiguous, the columns after n zero: fused_tensor_product's layout.
at::Tensor edges_last_padded(const at::Tensor& rows, int64_t padded);

struct TensorProductPath {
  size_t in_block = 0, attr_block = 0, out_block = 0;
  int64_t weight_offset = 0;  // into the per-edge weight vector; mul_in * mul_out entries
};

class WeightedTensorProductImpl : public torch::nn::Module {
 public:
  WeightedTensorProductImpl(Irreps in, Irreps attr, Irreps out);
  // x: (E, in.dim()), attr: (E, attr.dim()), weights: (E, weight_numel()) -> (E, out.dim())
  at::Tensor forward(const at::Tensor& x, const at::Tensor& attr, const at::Tensor& weights);
  // The same without autograd on the CPU, edges last (see fused_tensor_product): (out.dim(), n).
  at::Tensor forward_edges_last(const at::Tensor& x_t, const at::Tensor& attr_t, const at::Tensor& weights_t) const;

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
  FusedTensorProductPlan fused_;
};
TORCH_MODULE(WeightedTensorProduct);

// Couples two multiplicity-1 features without weights: (E, 2l1+1) x (E, 2l2+1) -> (E, 2l3+1).
at::Tensor couple(const at::Tensor& a, int l1, const at::Tensor& b, int l2, int l3);

}  // namespace disco::equivariant
