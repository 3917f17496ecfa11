// Internal: one seeded generator per task. LibTorch's CPU generator is used for CPU tensors; on CUDA the
// global (seeded) CUDA generator is used, since a CPU generator cannot draw CUDA tensors.
#pragma once
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>
#include <c10/core/Device.h>
#include <c10/util/Optional.h>
#include <torch/utils.h>

namespace disco {

inline at::Generator make_cpu_generator(uint64_t seed) { return at::detail::createCPUGenerator(seed); }

inline c10::optional<at::Generator> generator_for(const c10::Device& device, const at::Generator& cpu_generator) {
  if (device.is_cpu()) return cpu_generator;
  return c10::nullopt;
}

}  // namespace disco
