#include "random_flips.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

namespace disco::image {

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

RandomFlips::RandomFlips(uint64_t seed) : seed_(seed), gen_(at::detail::createCPUGenerator(seed)) {}

void RandomFlips::begin_step(int64_t stage, int64_t step) {
  const uint64_t s = splitmix64(splitmix64(splitmix64(seed_) ^ uint64_t(stage)) ^ uint64_t(step));
  std::lock_guard<std::mutex> lock(mutex_);
  gen_.set_current_seed(s);
}

at::Tensor RandomFlips::apply(const at::Tensor& x) {
  at::Tensor flip;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    flip = at::rand({x.size(0)}, gen_) < 0.5;
  }
  return at::where(flip.reshape({-1, 1, 1, 1}), x.flip({3}), x);
}

}  // namespace disco::image
