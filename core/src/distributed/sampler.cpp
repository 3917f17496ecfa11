#include "distributed/sampler.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "disco/error.h"

namespace disco {

uint64_t mix_seed(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  auto splitmix = [](uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  uint64_t h = splitmix(seed);
  for (uint64_t v : {a, b, c}) h = splitmix(h ^ v);
  return h;
}

namespace {
constexpr uint64_t kEpochPurpose = 0x65706f6368ull;  // "epoch"
}

EpochSampler::EpochSampler(int64_t n, int64_t batch, int world, int rank, uint64_t seed)
    : n_(n), batch_(batch), global_batch_(batch * world), rank_(rank), seed_(seed) {
  if (n < 1) throw DataError("the training set is empty");
}

const at::Tensor& EpochSampler::permutation(int64_t epoch) {
  auto it = cache_.find(epoch);
  if (it != cache_.end()) return it->second;
  while (cache_.size() >= 2) cache_.erase(cache_.begin());
  auto gen = at::detail::createCPUGenerator(mix_seed(seed_, kEpochPurpose, uint64_t(epoch)));
  return cache_[epoch] = at::randperm(n_, gen, at::TensorOptions().dtype(at::kLong));
}

at::Tensor EpochSampler::stream(int64_t start, int64_t count) {
  std::vector<at::Tensor> parts;
  while (count > 0) {
    const int64_t epoch = start / n_, offset = start % n_;
    const int64_t take = std::min(count, n_ - offset);
    parts.push_back(permutation(epoch).narrow(0, offset, take));
    start += take;
    count -= take;
  }
  return parts.size() == 1 ? parts[0].clone() : at::cat(parts, 0);
}

at::Tensor EpochSampler::global_indices(int64_t step) { return stream(step * global_batch_, global_batch_); }

at::Tensor EpochSampler::local_indices(int64_t step) {
  return stream(step * global_batch_ + int64_t(rank_) * batch_, batch_);
}

}  // namespace disco
