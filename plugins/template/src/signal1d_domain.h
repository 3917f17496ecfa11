// The signal1d Domain: DisCo-Diff on 1-D signals. src/plugin.cpp registers it.
#pragma once
#include <memory>

#include "disco/domain.h"

namespace disco::signal1d {

std::shared_ptr<Domain> make_signal1d_domain();

}  // namespace disco::signal1d
