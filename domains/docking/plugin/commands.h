// The docking plugin's commands (registered in plugin.cpp through the Registry, disco/command.h):
//   disco data check PATH [--split FILE] ...   parse complexes (a folder) or one file, print a table
//   disco rmsd REF POSES [REF2 POSES2 ...]      symmetry-corrected in-place RMSD of poses from any tool
//   disco dock --model RUN --protein P --ligand L ...   dock a ligand with a trained model (dock_command.cpp)
//   disco conformer LIGAND --out FILE           an RDKit ETKDG conformer (conformer_command.cpp)
//   disco score --protein P --ligand POSES      the Vina-family score of given poses, --local optimises them
#pragma once
#include "disco/command.h"

namespace CLI {
class App;
}

namespace disco::docking {

// Parses a command's arguments with CLI11. Returns false when --help was answered (exit 0); a bad command
// line is a UsageError (one line, exit 2).
bool parse_command_args(CLI::App& app, const CommandContext& context);

int run_data_check(const CommandContext& context);
int run_rmsd(const CommandContext& context);
int run_dock(const CommandContext& context);
int run_conformer(const CommandContext& context);  // conformer_command.cpp
int run_confidence(const CommandContext& context);  // confidence_command.cpp
int run_score(const CommandContext& context);       // score_command.cpp

}  // namespace disco::docking
