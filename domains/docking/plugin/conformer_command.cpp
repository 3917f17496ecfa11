// `disco conformer LIGAND --out FILE`: an RDKit ETKDG conformer (seeded, MMFF-minimised when parameterised)
// of a ligand given as a file or a SMILES string, written as SDF (or any format Open Babel writes). What a
// docking baseline should start from instead of the crystal pose (bench/docking_vs_vina.sh).
#include <GraphMol/ROMol.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "conformer.h"
#include "disco/error.h"
#include "molecule.h"

namespace fs = std::filesystem;

namespace disco::docking {

int run_conformer(const CommandContext& ctx) {
  CLI::App app{"Write an RDKit ETKDG conformer (seeded; MMFF94-minimised when parameterised) of a ligand.\n"
               "LIGAND is a file (SDF, MOL2, ...; its coordinates are ignored) or a SMILES string.",
               ctx.program};
  std::string ligand, out;
  uint32_t seed = 0;
  app.add_option("ligand", ligand, "Ligand file or SMILES")->required();
  app.add_option("-o,--out", out, "Output file (.sdf, or any format Open Babel writes)")->required();
  app.add_option("--seed", seed, "ETKDG seed")->capture_default_str();
  if (!parse_command_args(app, ctx)) return 0;
  const Ligand lig = fs::exists(ligand) ? read_ligand(ligand) : ligand_from_smiles(ligand, "SMILES");
  ConformerOptions o;
  o.seed = seed;
  const Conformer conf = generate_conformer(*lig.mol, lig.name.empty() ? "ligand" : lig.name, o);
  if (!conf.warning.empty()) ctx.reporter.warn(conf.warning);
  RankedPose pose;
  pose.pos = conf.pos;
  pose.properties["disco_conformer_method"] = conf.method;
  write_ranked_poses(out, *lig.mol, {pose});
  std::printf("%s: %lld heavy atoms, %s conformer -> %s\n", lig.name.empty() ? "ligand" : lig.name.c_str(),
              (long long)lig.num_atoms(), conf.method.c_str(), out.c_str());
  return 0;
}

}  // namespace disco::docking
