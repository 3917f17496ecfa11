#include "inception.h"

#include <ATen/ATen.h>
#include <torch/script.h>

#include "disco/error.h"

namespace disco::image {

at::Tensor inception_features(const std::string& path, const at::Tensor& images) {
  torch::jit::script::Module net;
  try {
    net = torch::jit::load(path);
  } catch (const c10::Error& e) {
    throw DataError(path + ": cannot load the TorchScript Inception network (eval.inception): " + e.what_without_backtrace());
  }
  net.eval();
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> out;
  for (int64_t start = 0; start < images.size(0); start += 100) {
    auto x = images.narrow(0, start, std::min<int64_t>(100, images.size(0) - start)).to(at::kFloat);
    if (x.size(1) == 1) x = x.repeat({1, 3, 1, 1});
    x = at::upsample_bilinear2d(x.add(1.0).mul(127.5), {299, 299}, false).clamp(0, 255);
    at::Tensor f;
    try {
      f = net.forward({x}).toTensor();
    } catch (const c10::Error& e) {
      throw DataError(path + ": the Inception network failed on [N, 3, 299, 299] input: " + e.what_without_backtrace());
    }
    f = f.reshape({f.size(0), -1});
    if (f.size(1) != 2048)
      throw DataError(path + ": expected 2048 features per image, got " + std::to_string(f.size(1)));
    out.push_back(f.to(at::kDouble));
  }
  return at::cat(out, 0);
}

}  // namespace disco::image
