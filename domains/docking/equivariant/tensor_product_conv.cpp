#include "equivariant/tensor_product_conv.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "equivariant/gate.h"

namespace disco::equivariant {

namespace {
constexpr int64_t kInferenceEdgeChunk = 128;
}  // namespace

TensorProductConvImpl::TensorProductConvImpl(TensorProductConvOptions options) : options_(std::move(options)) {
  const Irreps tp_out = options_.gated ? gated_irreps(options_.out) : options_.out;
  tp_ = register_module("tp", WeightedTensorProduct(options_.in, options_.attr, tp_out));
  mlp_ = register_module("mlp", torch::nn::Sequential(torch::nn::Linear(options_.edge_scalar_dim, options_.mlp_hidden),
                                                      torch::nn::SiLU(),
                                                      torch::nn::Linear(options_.mlp_hidden, tp_->weight_numel())));
  if (options_.normalized) norm_ = register_module("norm", EquivariantNorm(tp_->irreps_out()));
  // The tensor product's normalisation assumes unit-variance path weights (as e3nn's): initialise the MLP
  // so its outputs have about unit variance, or every layer would shrink the features ~10x.
  torch::NoGradGuard no_grad;
  auto first = mlp_[0]->as<torch::nn::Linear>(), last = mlp_[2]->as<torch::nn::Linear>();
  torch::nn::init::normal_(first->weight, 0.0, 1.0 / std::sqrt(static_cast<double>(options_.edge_scalar_dim)));
  torch::nn::init::zeros_(first->bias);
  torch::nn::init::normal_(last->weight, 0.0, std::sqrt(3.0 / static_cast<double>(options_.mlp_hidden)));
  torch::nn::init::zeros_(last->bias);
}

at::Tensor TensorProductConvImpl::forward(const at::Tensor& h, const at::Tensor& src, const at::Tensor& dst,
                                          int64_t num_dst, const at::Tensor& attr, const at::Tensor& edge_scalars,
                                          const at::Tensor& h_dst) {
  at::Tensor sum;
  const int64_t E = src.size(0);
  if (at::GradMode::is_enabled() || E <= kInferenceEdgeChunk) {
    const at::Tensor weights = mlp_->forward(edge_scalars);
    const at::Tensor messages = tp_->forward(h.index_select(0, src), attr, weights);
    sum = at::zeros({num_dst, messages.size(1)}, messages.options()).index_add_(0, dst, messages);
  } else {
    // Without autograd nothing needs every edge's weights at once: a chunk of edges at a time keeps the
    // per-edge weight tensor (edges x weight_numel floats, ~1 GB for 40 docking graphs at DiffDock-S size) in
    // blocks the heap reuses, instead of mapping and faulting in a fresh gigabyte per layer. 128 edges (1.1 MB
    // of weights at DiffDock-S size) stay in a core's L2 cache between the edge MLP that writes them and the
    // fused tensor product that reads them. With the fused kernel, the DiffDock-S forward on 1a0q (40 graphs,
    // 105k edges, 1 thread, 2-core Xeon with 2 MB of L2 per core) took 1.39 s with chunks of 128, 1.46 s with
    // 64, 1.53 s with 256 and 512, and 1.63 s with 1024. (Before the fused kernel, on an AMD EPYC, 512 was best.)
    //
    // On the CPU the threads take whole chunks (each chunk's GEMM and contraction then run on one thread)
    // instead of splitting every small op of every chunk between them. With two threads on a 2-core Xeon the
    // DiffDock-S forward went from 1.72 to 1.10 s, and one dock from 29.1 to 19.0 s. Each chunk writes its rows
    // of `messages`, and one index_add_ in edge order sums them, so the result does not depend on the thread
    // count.
    const int64_t chunks = (E + kInferenceEdgeChunk - 1) / kInferenceEdgeChunk;
    const auto first = mlp_[0]->as<torch::nn::Linear>(), last = mlp_[2]->as<torch::nn::Linear>();
    const auto activation = mlp_[1]->as<torch::nn::SiLU>();
    at::Tensor messages;
    // Each chunk in the fused kernel's layout, edges last (padded to whole tiles): the edge MLP's last layer
    // writes its weights transposed, (weight_numel, edges), at no extra cost.
    auto run_chunk = [&](int64_t c) {
      const int64_t start = c * kInferenceEdgeChunk, n = std::min(kInferenceEdgeChunk, E - start);
      if (!h.device().is_cpu()) {  // a GPU: the batched matmuls of forward()
        const at::Tensor weights = mlp_->forward(edge_scalars.narrow(0, start, n));
        messages.narrow(0, start, n)
            .copy_(tp_->forward(h.index_select(0, src.narrow(0, start, n)), attr.narrow(0, start, n), weights));
        return;
      }
      const int64_t tile = FusedTensorProductPlan::kEdgeTile, padded = (n + tile - 1) / tile * tile;
      at::Tensor scalars = edge_scalars.narrow(0, start, n), from = src.narrow(0, start, n);
      at::Tensor attr_rows = attr.narrow(0, start, n);
      if (padded != n) {
        scalars = at::constant_pad_nd(scalars, {0, 0, 0, padded - n});
        from = at::constant_pad_nd(from, {0, padded - n});
        attr_rows = at::constant_pad_nd(attr_rows, {0, 0, 0, padded - n});
      }
      const at::Tensor hidden = activation->forward(first->forward(scalars));                 // (padded, hidden)
      const at::Tensor weights_t = at::addmm(last->bias.unsqueeze(1), last->weight, hidden.t());  // (numel, padded)
      const at::Tensor x_t = h.index_select(0, from).t().contiguous(), attr_t = attr_rows.t().contiguous();
      const at::Tensor m = tp_->forward_edges_last(x_t, attr_t, weights_t);  // (out.dim, padded)
      messages.narrow(0, start, n).copy_(m.narrow(1, 0, n).t());
    };
    messages = at::empty({E, tp_->irreps_out().dim()}, h.options());
    if (h.device().is_cpu()) {
      // at::parallel_for's worker threads do not inherit the caller's thread-local state (inference mode,
      // grad mode): carry it over, or the workers would record autograd graphs.
      const at::ThreadLocalState caller_state;
      at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
        const at::ThreadLocalStateGuard guard(caller_state);
        for (int64_t c = begin; c < end; ++c) run_chunk(c);
      });
    } else {
      for (int64_t c = 0; c < chunks; ++c) run_chunk(c);
    }
    sum = at::zeros({num_dst, messages.size(1)}, messages.options()).index_add_(0, dst, messages);
  }
  const at::Tensor count = at::zeros({num_dst}, sum.options())
                               .index_add_(0, dst, at::ones({dst.size(0)}, sum.options()))
                               .clamp_min(1.0);
  at::Tensor out = sum / count.unsqueeze(1);
  if (options_.normalized) out = norm_->forward(out);
  if (options_.gated) out = gate(out, options_.out);
  if (options_.residual) out = out + pad_irreps(h_dst.defined() ? h_dst : h, options_.in, options_.out);
  return out;
}

at::Tensor pad_irreps(const at::Tensor& h, const Irreps& from, const Irreps& to) {
  std::map<std::pair<int, int>, std::vector<size_t>> from_blocks;
  for (size_t i = 0; i < from.size(); ++i) from_blocks[{from[i].irrep.l, from[i].irrep.parity}].push_back(i);
  std::map<std::pair<int, int>, size_t> used;
  std::vector<at::Tensor> parts;
  const int64_t N = h.size(0);
  for (size_t o = 0; o < to.size(); ++o) {
    const auto key = std::make_pair(to[o].irrep.l, to[o].irrep.parity);
    const size_t k = used[key]++;
    const auto it = from_blocks.find(key);
    if (it == from_blocks.end() || k >= it->second.size()) {
      parts.push_back(at::zeros({N, to[o].dim()}, h.options()));
      continue;
    }
    const size_t a = it->second[k];
    const int64_t d = to[o].irrep.dim();
    const int64_t mul = std::min(from[a].mul, to[o].mul);
    at::Tensor block = h.narrow(1, from.offset(a), mul * d);
    if (mul < to[o].mul) block = at::cat({block, at::zeros({N, (to[o].mul - mul) * d}, h.options())}, 1);
    parts.push_back(block);
  }
  return at::cat(parts, 1);
}

at::Tensor even_scalars(const at::Tensor& h, const Irreps& irreps) {
  std::vector<at::Tensor> parts;
  for (size_t i = 0; i < irreps.size(); ++i)
    if (irreps[i].irrep == Irrep{0, 1}) parts.push_back(h.narrow(1, irreps.offset(i), irreps[i].mul));
  if (parts.empty()) return at::zeros({h.size(0), 0}, h.options());
  return at::cat(parts, 1);
}

}  // namespace disco::equivariant
