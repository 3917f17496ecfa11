#include "disco/host/ema.h"

#include <ATen/ATen.h>
#include <torch/utils.h>

#include "disco/error.h"

namespace disco {

namespace {
void check_same(size_t a, size_t b, const char* what) {
  if (a != b) throw RuntimeError(std::string("EMA/model mismatch: different number of ") + what);
}
}  // namespace

void ema_update(torch::nn::Module& ema, const torch::nn::Module& model, double decay) {
  torch::NoGradGuard no_grad;
  auto pe = ema.parameters(), pm = model.parameters();
  check_same(pe.size(), pm.size(), "parameters");
  for (size_t i = 0; i < pe.size(); ++i) pe[i].mul_(decay).add_(pm[i].detach(), 1.0 - decay);
  auto be = ema.buffers(), bm = model.buffers();
  check_same(be.size(), bm.size(), "buffers");
  for (size_t i = 0; i < be.size(); ++i) be[i].copy_(bm[i]);
}

void copy_weights(torch::nn::Module& dst, const torch::nn::Module& src) {
  torch::NoGradGuard no_grad;
  auto pd = dst.parameters(), ps = src.parameters();
  check_same(pd.size(), ps.size(), "parameters");
  for (size_t i = 0; i < pd.size(); ++i) pd[i].copy_(ps[i]);
  auto bd = dst.buffers(), bs = src.buffers();
  check_same(bd.size(), bs.size(), "buffers");
  for (size_t i = 0; i < bd.size(); ++i) bd[i].copy_(bs[i]);
}

}  // namespace disco
