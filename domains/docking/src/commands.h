// The docking plugin's commands (registered in plugin.cpp through disco/command.h):
//   disco data check PATH [--split FILE] ...   parse complexes (a folder) or one file, print a table
//   disco rmsd REF POSES [REF2 POSES2 ...]      symmetry-corrected in-place RMSD of poses from any tool
#pragma once
#include "disco/command.h"

namespace disco::docking {

int run_data_check(const CommandContext& context);
int run_rmsd(const CommandContext& context);

}  // namespace disco::docking
