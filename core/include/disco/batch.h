// Batch: named tensors + batch size. The core touches only the keys the domain's Diffusion names
// (e.g. "x" for the state, "label" for a class condition).
#pragma once
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <map>
#include <string>

namespace disco {

struct Batch {
  std::map<std::string, at::Tensor> tensors;
  int64_t size = 0;

  bool has(const std::string& key) const { return tensors.count(key) > 0 && tensors.at(key).defined(); }
  // Throws DataError naming the missing key and the keys that are present.
  const at::Tensor& at(const std::string& key) const;
  // A copy with `key` set to `value` (tensors are shared, not copied).
  Batch with(const std::string& key, const at::Tensor& value) const;
  Batch to(const c10::Device& device) const;
  // Rows `indices` of every tensor (dim 0).
  Batch index(const at::Tensor& indices) const;
};

}  // namespace disco
