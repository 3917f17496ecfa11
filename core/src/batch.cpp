#include "disco/batch.h"

#include <ATen/ATen.h>

#include <sstream>

#include "disco/error.h"

namespace disco {

const at::Tensor& Batch::at(const std::string& key) const {
  auto it = tensors.find(key);
  if (it == tensors.end() || !it->second.defined()) {
    std::ostringstream have;
    for (const auto& [name, t] : tensors) have << (have.tellp() > 0 ? ", " : "") << name;
    throw DataError("batch has no tensor '" + key + "' (has: " + have.str() + ")");
  }
  return it->second;
}

Batch Batch::with(const std::string& key, const at::Tensor& value) const {
  Batch out = *this;
  out.tensors[key] = value;
  return out;
}

Batch Batch::to(const c10::Device& device) const {
  Batch out;
  out.size = size;
  for (const auto& [name, t] : tensors) out.tensors[name] = t.defined() ? t.to(device) : t;
  return out;
}

Batch Batch::index(const at::Tensor& indices) const {
  Batch out;
  out.size = indices.size(0);
  for (const auto& [name, t] : tensors) out.tensors[name] = t.defined() ? t.index_select(0, indices.to(t.device())) : t;
  return out;
}

}  // namespace disco
