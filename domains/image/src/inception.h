// Optional real FID (eval.inception): a user-supplied TorchScript Inception network that maps float images
// [N, 3, 299, 299] in [0, 255] to [N, 2048] pool features (as EDM's detector does). Nothing of it ships here:
// no Inception weights are reachable from this machine.
#pragma once
#include <ATen/core/Tensor.h>

#include <string>

namespace disco::image {

// images [N, C, R, R] in [-1, 1] (grey is repeated to RGB, then resized to 299x299) -> [N, 2048] features.
// Throws DataError naming the file when it cannot be loaded or returns the wrong shape.
at::Tensor inception_features(const std::string& path, const at::Tensor& images);

}  // namespace disco::image
