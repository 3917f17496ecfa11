// The image Domain: U-Net with cross-attention to the latents, ViT encoder, image datasets, FD. src/plugin.cpp
// registers it.
#pragma once
#include <memory>

#include "disco/domain.h"

namespace disco::image {

std::shared_ptr<Domain> make_image_domain();

}  // namespace disco::image
