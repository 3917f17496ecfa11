#include "classifier.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>
#include <torch/utils.h>

#include <filesystem>

#include "disco/atomic_file.h"
#include "disco/error.h"

namespace fs = std::filesystem;

namespace disco::image {

FeatureClassifierImpl::FeatureClassifierImpl(int64_t in_channels, int64_t num_classes) {
  using torch::nn::Conv2dOptions;
  conv1_ = register_module("conv1", torch::nn::Conv2d(Conv2dOptions(in_channels, 32, 3).padding(1)));
  norm1_ = register_module("norm1", torch::nn::GroupNorm(8, 32));
  conv2_ = register_module("conv2", torch::nn::Conv2d(Conv2dOptions(32, 64, 3).padding(1).stride(2)));
  norm2_ = register_module("norm2", torch::nn::GroupNorm(8, 64));
  conv3_ = register_module("conv3", torch::nn::Conv2d(Conv2dOptions(64, 128, 3).padding(1).stride(2)));
  norm3_ = register_module("norm3", torch::nn::GroupNorm(8, 128));
  head_ = register_module("head", torch::nn::Linear(128, num_classes));
}

at::Tensor FeatureClassifierImpl::features(const at::Tensor& x) {
  auto h = at::relu(norm1_(conv1_(x)));
  h = at::relu(norm2_(conv2_(h)));
  h = at::relu(norm3_(conv3_(h)));
  return h.mean({2, 3});
}

at::Tensor FeatureClassifierImpl::forward(const at::Tensor& x) { return head_(features(x)); }

namespace {
template <typename Fn>
at::Tensor batched(FeatureClassifier& net, const at::Tensor& images, Fn fn) {
  torch::NoGradGuard no_grad;
  net->eval();
  const auto device = net->parameters()[0].device();
  std::vector<at::Tensor> out;
  for (int64_t start = 0; start < images.size(0); start += 500)
    out.push_back(fn(images.narrow(0, start, std::min<int64_t>(500, images.size(0) - start)).to(device)).to(at::kCPU));
  return at::cat(out, 0);
}
}  // namespace

at::Tensor classifier_features(FeatureClassifier& net, const at::Tensor& images) {
  return batched(net, images, [&](const at::Tensor& x) { return net->features(x); });
}

at::Tensor classifier_predictions(FeatureClassifier& net, const at::Tensor& images) {
  return batched(net, images, [&](const at::Tensor& x) { return net->forward(x).argmax(1); });
}

FeatureClassifier load_or_train_classifier(const std::string& path, const ImageSet& train, int64_t steps,
                                           const c10::Device& device, const Reporter& reporter) {
  if (!train.labels.defined() || train.num_classes < 2)
    throw ConfigError("the FD classifier needs class labels: use a folder with one sub-folder per class (or eval.inception)");
  torch::manual_seed(0);
  FeatureClassifier net(train.images.size(1), train.num_classes);
  if (fs::exists(path)) {
    try {
      torch::load(net, path);
      net->to(device);
      net->eval();
      reporter.info("eval: FD classifier loaded from " + path);
      return net;
    } catch (const c10::Error& e) {
      reporter.warn("eval: cannot load the FD classifier " + path + " (" + e.what_without_backtrace() + "); retraining");
      torch::manual_seed(0);
      net = FeatureClassifier(train.images.size(1), train.num_classes);
    }
  }
  reporter.info("eval: training the FD classifier on " + std::to_string(train.images.size(0)) + " images (" +
                std::to_string(steps) + " steps); it is cached in " + path);
  net->to(device);
  net->train();
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(2e-3));
  auto gen = at::detail::createCPUGenerator(0);
  const int64_t n = train.images.size(0);
  double loss_sum = 0;
  for (int64_t step = 1; step <= steps; ++step) {
    auto idx = at::randint(n, {128}, gen, at::TensorOptions().dtype(at::kLong));
    auto x = to_model_range(train.images.index_select(0, idx)).to(device);
    auto loss = at::cross_entropy_loss(net->forward(x), train.labels.index_select(0, idx).to(device));
    opt.zero_grad();
    loss.backward();
    opt.step();
    loss_sum += loss.item<double>();
    if (step % 250 == 0 || step == steps) {
      reporter.info("eval: FD classifier step " + std::to_string(step) + "/" + std::to_string(steps) + " loss " +
                    std::to_string(loss_sum / double(step % 250 == 0 ? 250 : step % 250)));
      loss_sum = 0;
    }
  }
  net->eval();
  if (const auto parent = fs::path(path).parent_path(); !parent.empty()) fs::create_directories(parent);
  write_atomically(path, [&](const std::string& tmp) { torch::save(net, tmp); });
  return net;
}

}  // namespace disco::image
