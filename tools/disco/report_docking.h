// The docking part of `disco report`: for a run whose `disco eval` wrote eval/complexes.csv (the docking
// domain), an interactive 3-D view per complex (3Dmol.js, embedded: the page stays offline) of the pocket
// residues, the crystal ligand and the ranked poses, with a pose selector and a table of every rank. Reads only
// the files the run wrote (CSV, SDF, PDB text), so the report does not need the docking plugin.
#pragma once
#include <string>
#include <vector>

namespace disco::cli {

struct DockingRunFiles {
  std::string name;  // the run's name, shown in headings
  std::string dir;   // the run directory
};

// HTML for every run that has eval/complexes.csv (at most `max_complexes` complexes each); empty when none has.
// `script` receives the 3Dmol.js library plus the viewer code when a view was made (to put once in the page).
std::string docking_views(const std::vector<DockingRunFiles>& runs, size_t max_complexes, std::string* script);

}  // namespace disco::cli
