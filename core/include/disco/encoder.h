// Encoder E(y) -> logits over the discrete latents (paper Eq. 3).
#pragma once
#include <torch/nn/module.h>

#include "disco/batch.h"

namespace disco {

struct EncoderOutput {
  at::Tensor logits;  // [B, m, k]
  at::Tensor mask;    // [B, m, k] bool, true = valid code; undefined when every code is valid
};

class Encoder : public torch::nn::Module {
 public:
  // `clean` is the un-noised training example (the encoder sees the data, not x_sigma).
  virtual EncoderOutput encode(const Batch& clean) = 0;
};

}  // namespace disco
