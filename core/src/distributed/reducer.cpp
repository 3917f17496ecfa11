#include "distributed/reducer.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/utils.h>

#include <unordered_set>

#include "disco/error.h"

namespace disco {

GradientReducer::GradientReducer(Communicator& comm, const std::vector<at::Tensor>& params, double bucket_mb)
    : comm_(comm) {
  for (const auto& p : params)
    if (p.requires_grad()) params_.push_back(p);
  slots_.resize(params_.size());
  const int64_t cap_bytes = std::max<int64_t>(1, int64_t(bucket_mb * 1024 * 1024));
  // Reverse registration order: the last layers' gradients come first in backward.
  for (size_t j = params_.size(); j-- > 0;) {
    const auto& p = params_[j];
    const int64_t bytes = p.numel() * int64_t(p.element_size());
    bool fresh = buckets_.empty();
    if (!fresh) {
      const auto& last = params_[buckets_.back().params.front()];
      fresh = last.scalar_type() != p.scalar_type() || last.device() != p.device() ||
              (buckets_.back().numel * int64_t(p.element_size()) + bytes > cap_bytes);
    }
    if (fresh) buckets_.emplace_back();
    auto& b = buckets_.back();
    slots_[j].bucket = buckets_.size() - 1;
    slots_[j].offset = b.numel;
    b.params.push_back(j);
    b.numel += p.numel();
  }
  for (auto& b : buckets_) {
    for (size_t i = 0; i < b.params.size(); ++i) slots_[b.params[i]].flag = b.numel + int64_t(i);
    const auto& p = params_[b.params.front()];
    b.flat = at::zeros({b.numel + int64_t(b.params.size())}, p.options().requires_grad(false));
  }
  for (size_t j = 0; j < params_.size(); ++j)
    hooks_.push_back(params_[j].register_hook([this, j](at::Tensor grad) { on_gradient(j, grad); }));
}

GradientReducer::~GradientReducer() {
  for (size_t j = 0; j < params_.size(); ++j) params_[j].remove_hook(hooks_[j]);
}

void GradientReducer::begin(const at::Tensor& loss) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& s : slots_) s.seen = false;
  for (auto& b : buckets_) {
    b.pending = int64_t(b.params.size());
    b.work.reset();
  }
  next_ = 0;
  launched_early_ = 0;
  armed_ = true;
  // Which parameters can get a gradient from this loss: those whose gradient accumulator it reaches.
  std::unordered_set<const torch::autograd::Node*> reached;
  std::vector<const torch::autograd::Node*> todo;
  if (loss.grad_fn()) todo.push_back(loss.grad_fn().get());
  while (!todo.empty()) {
    const auto* node = todo.back();
    todo.pop_back();
    if (!reached.insert(node).second) continue;
    for (const auto& edge : node->next_edges())
      if (edge.function) todo.push_back(edge.function.get());
  }
  for (size_t j = 0; j < params_.size(); ++j) {
    auto accumulator = torch::autograd::impl::try_get_grad_accumulator(params_[j]);
    if (!accumulator || !reached.count(accumulator.get())) settle_without_gradient(j);
  }
  const size_t before = next_;
  launch_ready();
  launched_early_ += int64_t(next_ - before);
}

void GradientReducer::settle_without_gradient(size_t j) {
  auto& s = slots_[j];
  auto& b = buckets_[s.bucket];
  torch::NoGradGuard no_grad;
  b.flat.narrow(0, s.offset, params_[j].numel()).zero_();
  b.flat.narrow(0, s.flag, 1).zero_();
  s.seen = true;  // settled; a late gradient would be a bug in the graph walk, and is ignored
  --b.pending;
}

void GradientReducer::on_gradient(size_t j, const at::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!armed_ || !grad.defined()) return;
  auto& s = slots_[j];
  auto& b = buckets_[s.bucket];
  if (s.seen) return;  // autograd calls a leaf's hook once per backward; settled parameters get none
  torch::NoGradGuard no_grad;
  b.flat.narrow(0, s.offset, grad.numel()).copy_(grad.reshape({-1}));
  b.flat.narrow(0, s.flag, 1).fill_(1);
  s.seen = true;
  if (--b.pending == 0) {
    const size_t before = next_;
    launch_ready();
    launched_early_ += int64_t(next_ - before);
  }
}

void GradientReducer::launch(size_t i) {
  auto& b = buckets_[i];
  b.work = comm_.allreduce_sum_async(b.flat, "gradient all-reduce (bucket " + std::to_string(i + 1) + "/" +
                                                 std::to_string(buckets_.size()) + ")");
}

void GradientReducer::launch_ready() {
  while (next_ < buckets_.size() && buckets_[next_].pending == 0) launch(next_++);
}

void GradientReducer::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!armed_) throw RuntimeError("GradientReducer::finish() without begin()");
  armed_ = false;
  torch::NoGradGuard no_grad;
  // Parameters reached by the graph that still got no gradient (e.g. an undefined one) contribute zeros.
  for (size_t i = next_; i < buckets_.size(); ++i)
    for (size_t j : buckets_[i].params)
      if (!slots_[j].seen) settle_without_gradient(j);
  launch_ready();
  const double world = double(comm_.size());
  for (auto& b : buckets_) {
    comm_.wait(b.work);
    b.work.reset();
    auto grads = b.flat.narrow(0, 0, b.numel);
    grads.div_(world);
    const auto flags = b.flat.narrow(0, b.numel, int64_t(b.params.size())).to(at::kCPU, at::kDouble).contiguous();
    const double* had_gradient = flags.data_ptr<double>();
    for (size_t i = 0; i < b.params.size(); ++i) {
      const size_t j = b.params[i];
      const auto& s = slots_[j];
      if (had_gradient[i] == 0) continue;  // no rank had a gradient: leave .grad as it is
      auto& p = params_[j];
      auto avg = grads.narrow(0, s.offset, p.numel()).view(p.sizes());
      if (p.grad().defined())
        p.mutable_grad().copy_(avg);
      else
        p.mutable_grad() = avg.clone();
    }
  }
}

}  // namespace disco
