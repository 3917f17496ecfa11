// The docking Domain (DisCo-DiffDock, paper App. E) and its registration.
#pragma once
#include <memory>

#include "disco/domain.h"
#include "disco/registry.h"

namespace disco::docking {

// The "docking" domain (what the plugin registers; `disco dock` builds its model through it).
std::shared_ptr<Domain> make_docking_domain();
// Adds it to the registry.
void register_docking_domain(Registry& registry);

}  // namespace disco::docking
