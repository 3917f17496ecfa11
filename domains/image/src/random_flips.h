// Random horizontal flips of training images, reproducible across a resume. The trainer announces each step
// (Dataset::begin_step) and the flips of that step's batch come from a generator seeded by (seed, stage, step),
// so a run resumed from a checkpoint flips exactly the images an uninterrupted run flips.
#pragma once
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <mutex>

namespace disco::image {

class RandomFlips {
 public:
  explicit RandomFlips(uint64_t seed);
  // Reseeds from (seed, stage, step); until the first call the generator is seeded by `seed` alone.
  void begin_step(int64_t stage, int64_t step);
  // x: [B, C, H, W]; each image is mirrored left-right with probability 1/2.
  at::Tensor apply(const at::Tensor& x);

 private:
  uint64_t seed_;
  std::mutex mutex_;  // get() may run on a prefetch thread
  at::Generator gen_;
};

}  // namespace disco::image
