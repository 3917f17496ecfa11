// The toy2d Domain: DisCo-Diff on 2-D point clouds (paper Sec. 3, App. F). src/plugin.cpp registers it.
#pragma once
#include <memory>

#include "disco/domain.h"

namespace disco::toy2d {

std::shared_ptr<Domain> make_toy2d_domain();

}  // namespace disco::toy2d
