// Internal: which examples each rank trains on, and the seeds of per-rank random streams.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>

namespace disco {

// splitmix64 of the arguments: independent, reproducible seeds for (seed, purpose, rank, step).
uint64_t mix_seed(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0);

// The distributed sampler of `distributed.sampler = "epoch"`, deterministic per epoch.
// Epoch e is a permutation of the n examples drawn from a generator seeded with (seed, e) alone. The epochs
// form one stream perm_0 ++ perm_1 ++ ...; step s takes the next world·batch examples of it (the global batch)
// and rank r the r-th run of `batch` within those. So within an epoch the ranks' shards are disjoint, every
// example is used once per epoch, and the global batch depends on world·batch only: 2 ranks × B see the same
// examples as 1 rank × 2B. A global batch that crosses an epoch boundary takes the end of one permutation
// and the start of the next (nothing is dropped or padded).
class EpochSampler {
 public:
  EpochSampler(int64_t n, int64_t batch, int world, int rank, uint64_t seed);
  at::Tensor global_indices(int64_t step);  // [world * batch] int64
  at::Tensor local_indices(int64_t step);   // [batch] int64: this rank's rows of global_indices(step)
  int64_t epoch(int64_t step) const { return step * global_batch_ / n_; }

 private:
  at::Tensor stream(int64_t start, int64_t count);  // positions [start, start + count) of the stream
  const at::Tensor& permutation(int64_t epoch);

  int64_t n_, batch_, global_batch_;
  int rank_;
  uint64_t seed_;
  std::map<int64_t, at::Tensor> cache_;  // the last epochs' permutations
};

}  // namespace disco
