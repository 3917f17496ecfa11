// Internal: bucketed gradient all-reduce, overlapped with the backward pass (what DDP's Reducer does, in small).
//
// Parameters are grouped into buckets of about `bucket_mb`, in reverse registration order (roughly the
// order in which backward produces their gradients). A hook on each parameter copies its gradient into its
// bucket as soon as autograd has it; when a bucket is complete its c10d all-reduce (a sum) starts at once,
// on c10d's threads, while backward carries on with the earlier layers. Buckets start in index order on every
// rank, as collectives must. finish() starts what is left (parameters that got no gradient this step
// contribute zeros), waits, and writes sum / world_size into each parameter's .grad. Parameters the loss
// does not reach (found by walking its autograd graph in begin(), as DDP's find_unused_parameters does) are
// settled at once, so that they never hold back a bucket.
//
// Each bucket also carries one "had a gradient" count per parameter, so a parameter that no rank touched
// keeps the .grad that zero_grad() left it (as in a single process), and one that only some ranks touched
// gets the average over all ranks.
#pragma once
#include <ATen/core/Tensor.h>

#include <memory>
#include <mutex>
#include <vector>

#include "disco/host/distributed.h"

namespace disco {

class GradientReducer {
 public:
  GradientReducer(Communicator& comm, const std::vector<at::Tensor>& params, double bucket_mb);
  ~GradientReducer();  // removes the hooks
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Call right before loss.backward(): the hooks only act between begin() and finish().
  void begin(const at::Tensor& loss);
  // Call after loss.backward(): every parameter's .grad is then the average over ranks.
  void finish();

  int64_t bucket_count() const { return int64_t(buckets_.size()); }
  // Buckets whose all-reduce started while backward was still running, in the last step (the overlap).
  int64_t launched_during_backward() const { return launched_early_; }

 private:
  struct Slot {
    size_t bucket = 0;
    int64_t offset = 0;   // into the bucket's gradient part
    int64_t flag = 0;     // index of its "had a gradient" entry, after the gradient part
    bool seen = false;    // its gradient arrived in this step
  };
  struct Bucket {
    std::vector<size_t> params;
    int64_t numel = 0;    // gradient part; the flags follow it
    at::Tensor flat;
    int64_t pending = 0;
    std::shared_ptr<Communicator::Pending> work;
  };
  void on_gradient(size_t param, const at::Tensor& grad);
  void settle_without_gradient(size_t param);  // contributes zeros
  void launch_ready();  // starts complete buckets, in order
  void launch(size_t bucket);

  Communicator& comm_;
  std::vector<at::Tensor> params_;
  std::vector<unsigned> hooks_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  size_t next_ = 0;  // the next bucket to start
  bool armed_ = false;
  int64_t launched_early_ = 0;
  std::mutex mutex_;  // hooks may run on autograd's device threads
};

}  // namespace disco
