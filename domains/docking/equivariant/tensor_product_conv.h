#pragma once
// One equivariant message-passing (interaction) layer, in the style of DiffDock's tensor-product
// convolution:
//   message_e = TP(h[src_e], Y(r_e); w_e),   w_e = MLP(edge scalars: distance embedding, noise embedding,
//                                                       even scalars of both endpoints)
//   h'_i      = gate( norm( mean_{e: dst_e = i} message_e ) ) + residual(h_i)
// Only invariant quantities feed the MLP, so the weights are invariant and the layer is equivariant.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>

#include "equivariant/equivariant_norm.h"
#include "equivariant/irreps.h"
#include "equivariant/tensor_product.h"

namespace disco::equivariant {

struct TensorProductConvOptions {
  Irreps in, attr, out;        // node features in, edge attributes, node features out
  int64_t edge_scalar_dim = 0;  // width of the edge scalars given to forward()
  int64_t mlp_hidden = 32;
  bool gated = true;     // apply gate() to the aggregated messages
  bool residual = true;  // add the input features (matching irreps blocks, channel by channel)
  bool normalized = true;  // EquivariantNorm on the aggregated messages, before the gate
};

class TensorProductConvImpl : public torch::nn::Module {
 public:
  explicit TensorProductConvImpl(TensorProductConvOptions options);
  // h: (N_src, in.dim); src, dst: (E,) int64; attr: (E, attr.dim); edge_scalars: (E, edge_scalar_dim).
  // Returns (num_dst, out.dim). With residual, h_dst (num_dst, in.dim) is added (defaults to h).
  at::Tensor forward(const at::Tensor& h, const at::Tensor& src, const at::Tensor& dst, int64_t num_dst,
                     const at::Tensor& attr, const at::Tensor& edge_scalars, const at::Tensor& h_dst = {});
  const TensorProductConvOptions& options() const { return options_; }

 private:
  TensorProductConvOptions options_;
  WeightedTensorProduct tp_{nullptr};
  torch::nn::Sequential mlp_{nullptr};
  EquivariantNorm norm_{nullptr};
};
TORCH_MODULE(TensorProductConv);

// Copies the channels of h (irreps `from`) into a zero tensor of irreps `to`, block by block where the
// irreps agree (the i-th block of an irrep in `from` goes to the i-th block of it in `to`).
at::Tensor pad_irreps(const at::Tensor& h, const Irreps& from, const Irreps& to);

// The even scalars (0e channels) of features with these irreps: (N, count(0e)).
at::Tensor even_scalars(const at::Tensor& h, const Irreps& irreps);

}  // namespace disco::equivariant
