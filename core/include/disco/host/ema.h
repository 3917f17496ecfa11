// Exponential moving average of weights: ema <- decay * ema + (1 - decay) * model (buffers are copied).
#pragma once
#include <torch/nn/module.h>

namespace disco {

void ema_update(torch::nn::Module& ema, const torch::nn::Module& model, double decay);
// ema <- model exactly (start of training).
void copy_weights(torch::nn::Module& dst, const torch::nn::Module& src);

}  // namespace disco
