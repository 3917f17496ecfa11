// The feature network of the FD-<dataset> metric: a small CNN classifier that disco trains on the training
// split (no Inception weights are reachable here, so FID proper is impossible without eval.inception).
// Three 3x3 conv stages (32, 64, 128 channels, the last two with stride 2), global average pooling -> 128
// features -> linear class logits. Trained once with a fixed seed and cached, so every run on the same data
// measures FD in the same feature space.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <string>

#include "datasets.h"
#include "disco/progress.h"

namespace disco::image {

class FeatureClassifierImpl : public torch::nn::Module {
 public:
  FeatureClassifierImpl(int64_t in_channels, int64_t num_classes);
  at::Tensor features(const at::Tensor& x);  // x [N, C, R, R] in [-1, 1] -> [N, 128]
  at::Tensor forward(const at::Tensor& x);   // class logits [N, classes]

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  torch::nn::GroupNorm norm1_{nullptr}, norm2_{nullptr}, norm3_{nullptr};
  torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(FeatureClassifier);

// Loads the classifier cached at `path`, or trains it on `train` (Adam, batch 128, `steps` steps, seed 0) and
// writes it there atomically. The result is in eval mode.
FeatureClassifier load_or_train_classifier(const std::string& path, const ImageSet& train, int64_t steps,
                                           const c10::Device& device, const Reporter& reporter);

// Features / predicted classes of images [N, C, R, R] in [-1, 1], in batches, without gradients.
at::Tensor classifier_features(FeatureClassifier& net, const at::Tensor& images);
at::Tensor classifier_predictions(FeatureClassifier& net, const at::Tensor& images);

}  // namespace disco::image
