// The docking plugin. For now it brings the data layer's commands (issue #7); the docking Domain (score
// model, training, `disco dock`) registers here with issue #8.
#include "commands.h"
#include "disco/command.h"
#include "disco/plugin.h"
#include "disco/registry.h"

namespace {

void register_docking(disco::Registry&) {
  auto& commands = disco::command_registry();
  commands.add({"data check", "Parse protein-ligand complexes (a folder, or one file) and report problems",
                disco::docking::run_data_check},
               "docking");
  commands.add({"rmsd", "Symmetry-corrected in-place RMSD of docked poses to a reference ligand",
                disco::docking::run_rmsd},
               "docking");
}

}  // namespace

DISCO_PLUGIN("docking", "0.1.0", register_docking)
