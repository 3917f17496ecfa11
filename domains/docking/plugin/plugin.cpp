// The docking plugin: the "docking" Domain (DisCo-DiffDock) and its commands.
#include "commands.h"
#include "docking_domain.h"
#include "disco/command.h"
#include "disco/plugin.h"
#include "disco/registry.h"

namespace {

void register_docking(disco::Registry& registry) {
  disco::docking::register_docking_domain(registry);
  registry.add_command({"data check", "Parse protein-ligand complexes (a folder, or one file) and report problems",
                disco::docking::run_data_check},
               "docking");
  registry.add_command({"dock", "Dock ligands into proteins with a trained docking run (rank1..N.sdf, poses.sdf, summary.csv)",
                disco::docking::run_dock},
               "docking");
  registry.add_command({"confidence",
                "Train a docking run's confidence model on its own poses; dock and eval then rank by it",
                disco::docking::run_confidence},
               "docking");
  registry.add_command({"conformer", "Write an RDKit ETKDG conformer of a ligand (file or SMILES)", disco::docking::run_conformer},
               "docking");
  registry.add_command({"score", "Score poses with the Vina-family score (CSV: pose,score,...); --local optimises them first",
                        disco::docking::run_score},
                       "docking");
  registry.add_command({"rmsd", "Symmetry-corrected in-place RMSD of docked poses to a reference ligand",
                disco::docking::run_rmsd},
               "docking");
}

}  // namespace

DISCO_PLUGIN("docking", "0.1.0", register_docking)
