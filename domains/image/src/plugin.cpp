// The image plugin's entry point: it registers the image domain.
#include "image_domain.h"
#include "disco/plugin.h"
#include "disco/registry.h"

namespace {

void register_image(disco::Registry& registry) {
  registry.add_domain(disco::image::make_image_domain(), "image");
}

}  // namespace

DISCO_PLUGIN("image", "0.1.0", register_image)
