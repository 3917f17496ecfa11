// `disco score`: the Vina-family score (physics/) of given poses, like `vina --score_only`, and with --local
// their local optimisation, like `vina --local_only`.
//
//   disco score --protein P.pdb --ligand POSES.sdf [--reference-ligand INPUT.sdf] [--local [--out OPTIMISED.sdf]]
//               [--center X,Y,Z --box-size A]
//
// Prints one CSV row per pose to stdout: pose (1-based, file order), score (the predicted affinity, kcal/mol),
// intermolecular, intramolecular (kcal/mol), heavy_atoms, valid (1 when every pose check passes) and one column
// per check (physics/pose_checks.h: what PoseBusters checks). Bond lengths, angles and stereochemistry are
// checked against --reference-ligand (the molecule the docking started from, matched atom by atom whatever its
// order), else against the pose itself (then only clashes, flatness and contact can fail). With --local each
// pose is optimised first (translation, rotation, torsions; bonds and angles are kept) and the optimised poses
// are written, in file order, to --out with the score and check tags disco dock writes.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "automorphism.h"
#include "commands.h"
#include "decimal_text.h"
#include "disco/atomic_file.h"
#include "disco/error.h"
#include "graph.h"
#include "molecule.h"
#include "pose_checks.h"
#include "protein.h"
#include "pose_refinement.h"
#include "text_file.h"
#include "vina_score.h"

namespace fs = std::filesystem;

namespace disco::docking {

namespace {


}  // namespace

int run_score(const CommandContext& ctx) {
  CLI::App app{"Score protein-ligand poses with disco's Vina-family score (like vina --score_only), optionally after "
               "local optimisation (like vina --local_only).\nPrints CSV to stdout: pose,score,intermolecular,"
               "intramolecular,heavy_atoms (kcal/mol; score = the predicted affinity).",
               ctx.program};
  std::string protein, ligand, out, centre_text, reference_ligand;
  bool local = false;
  double box_size = 0;
  app.add_option("--protein", protein, "Receptor: PDB (prepared with Open Babel at pH 7.4, as obabel -xr -p 7.4) or PDBQT (read as it is)")
      ->required();
  app.add_option("--ligand", ligand, "Poses: SDF/MOL2 or any format with 3-D coordinates (every record is one pose)")->required();
  app.add_option("--reference-ligand", reference_ligand, "The input ligand the poses were made from (SDF/MOL2): bond lengths, "
                 "angles and stereochemistry are checked against it (default: against each pose itself)");
  app.add_flag("--local", local, "Optimise each pose locally first (translation, rotation, torsions), as vina --local_only");
  app.add_option("--out", out, "With --local: where the optimised poses go (default: <ligand name>_local.sdf in the current folder)");
  app.add_option("--center", centre_text, "With --local: centre X,Y,Z (Å) of the box the atoms must stay in (default: the poses' centre)");
  app.add_option("--box-size", box_size, "With --local: the box edge, Å (default: the poses' extent + 8 Å)")->check(CLI::Range(4.0, 200.0));
  if (!parse_command_args(app, ctx)) return 0;
  if (!local && (!out.empty() || !centre_text.empty() || box_size > 0))
    throw UsageError(ctx.program + ": --out, --center and --box-size need --local");

  const std::vector<Ligand> poses = read_ligands(ligand);
  for (size_t i = 0; i < poses.size(); ++i)
    if (!poses[i].has_3d) throw DataError(ligand + ": pose " + std::to_string(i + 1) + " has no 3-D coordinates");
  const ReceptorAtoms receptor = receptor_atoms(receptor_pdbqt(protein), protein);

  // The box: given, or around every pose with room to move.
  Vec3 lo = poses.front().positions().front(), hi = lo;
  for (const Ligand& l : poses)
    for (const Vec3& p : l.positions()) {
      lo = {std::min(lo.x, p.x), std::min(lo.y, p.y), std::min(lo.z, p.z)};
      hi = {std::max(hi.x, p.x), std::max(hi.y, p.y), std::max(hi.z, p.z)};
    }
  SearchBox box;
  box.centre = (lo + hi) * 0.5;
  const double extent = std::max({hi.x - lo.x, hi.y - lo.y, hi.z - lo.z}) + 8;
  box.size = {extent, extent, extent};
  if (!centre_text.empty()) {
    std::istringstream in(centre_text);
    char c1 = 0, c2 = 0;
    if (!(in >> box.centre.x >> c1 >> box.centre.y >> c2 >> box.centre.z) || c1 != ',' || c2 != ',')
      throw UsageError("--center: expected X,Y,Z in Å, got '" + centre_text + "'");
  }
  if (box_size > 0) box.size = {box_size, box_size, box_size};
  if (!local) box.size = {4, 4, 4};  // scoring is exact; the grid of a small box is built and never read

  std::optional<Ligand> input;
  if (!reference_ligand.empty()) input = read_ligand(reference_ligand);
  const Protein receptor_pdb = read_pdb(protein);  // the checks' protein (PDB or PDBQT)
  std::ostringstream csv;
  csv << "pose,score,intermolecular,intramolecular,heavy_atoms";
  for (const std::string& col : pose_check_csv_columns()) csv << ',' << col;
  csv << '\n';
  std::vector<RankedPose> written;
  auto gen = at::detail::createCPUGenerator(0);
  // Consecutive poses of the same molecule share one score (ligand preparation and grid maps).
  std::string last_topology;  // the molecule the current score was made for
  std::unique_ptr<VinaScore> score;
  std::unique_ptr<LigandGraph> graph;
  for (size_t i = 0; i < poses.size(); ++i) {
    const Ligand& l = poses[i];
    const std::string name = ligand + " pose " + std::to_string(i + 1);
    // Non-canonical SMILES: equal for the same molecule in the same atom order, whatever the coordinates.
    const std::string topology = RDKit::MolToSmiles(*l.mol, true, false, -1, false);
    if (!score || topology != last_topology) {
      const std::string block = mol_block(*l.mol);
      graph = std::make_unique<LigandGraph>(build_ligand_graph(*l.mol));
      score = std::make_unique<VinaScore>(receptor, make_vina_ligand(ligand_pdbqt(block, name), graph->num_atoms(), graph->bonds, name), box);
      last_topology = topology;
    }
    std::vector<Vec3> pos = l.positions();
    RefinedPose p;
    if (local) {
      RefineOptions o;
      o.mode = RefineMode::Local;
      p = refine_poses(*score, graph->torsions, {}, {pos}, o, gen).front();
    } else {
      p = score_poses(*score, {pos}).front();
    }
    // The reference geometry of the checks: the input ligand's atoms in this pose's order, or the pose itself.
    std::vector<Vec3> geometry = l.positions();
    if (input) {
      const auto iso = graph_isomorphisms(*input->mol, *l.mol, 1);
      if (iso.mappings.empty())
        throw DataError(reference_ligand + ": not the molecule of " + name + " (" + graph_summary(*input->mol) + " vs " +
                        graph_summary(*l.mol) + ")");
      const std::vector<Vec3> in = input->positions();
      for (size_t a = 0; a < geometry.size(); ++a) geometry[a] = in[size_t(iso.mappings[0][a])];
    }
    const PoseChecker checker(*l.mol, geometry, receptor_pdb);
    const PoseCheckReport report = checker.check(p.pos);
    csv << i + 1 << ',' << fixed(p.affinity, 3) << ',' << fixed(p.intermolecular, 3) << ',' << fixed(p.intramolecular, 3) << ','
        << pos.size();
    for (const std::string& cell : pose_check_csv_values(report)) csv << ',' << cell;
    csv << '\n';
    if (local) {
      RankedPose r;
      r.pos = p.pos;
      r.properties["disco_score"] = fixed(p.affinity, 3);
      r.properties["minimizedAffinity"] = fixed(p.affinity, 3);
      r.properties["disco_energy"] = fixed(p.energy(), 3);
      for (const auto& [k, v] : pose_check_sdf_properties(report)) r.properties[k] = v;
      written.push_back(r);
    }
  }
  std::cout << csv.str() << std::flush;
  if (local) {
    if (out.empty()) out = fs::path(ligand).stem().string() + "_local.sdf";
    // One molecule per file is the common case; a file of several molecules is written per pose's own molecule.
    std::string text;
    for (size_t i = 0; i < written.size(); ++i) {
      const std::string title = poses[i].name.empty() ? "pose" + std::to_string(i + 1) : poses[i].name;
      text += ranked_poses_sdf(*poses[i].mol, {written[i]}, title);
    }
    write_text_atomically(out, text);
    ctx.reporter.info("wrote " + std::to_string(written.size()) + " optimised poses to " + out);
  }
  return 0;
}

}  // namespace disco::docking
