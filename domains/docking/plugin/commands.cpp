#include "commands.h"

#include <GraphMol/GraphMol.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "automorphism.h"
#include "complex.h"
#include "conformer.h"
#include "decimal_text.h"
#include "disco/error.h"
#include "metrics.h"
#include "molecule.h"
#include "protein.h"
#include "text_file.h"

namespace fs = std::filesystem;

namespace disco::docking {

// Parses the command's arguments. Returns false when --help was answered (exit 0); a bad command line is a
// UsageError (one line, exit 2).
bool parse_command_args(CLI::App& app, const CommandContext& ctx) {
  std::vector<std::string> args(ctx.args.rbegin(), ctx.args.rend());  // CLI11 takes them last first
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return false;
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    throw UsageError(ctx.program + ": " + what.substr(0, what.find('\n')) + " (see --help)");
  }
  return true;
}

namespace {

std::string percent(double fraction) { return fixed(100 * fraction, 1) + "%"; }

std::string distribution(const std::vector<double>& v) {
  if (v.empty()) return "none";
  auto below = [&](double x) {
    return double(std::count_if(v.begin(), v.end(), [&](double r) { return r < x; })) / double(v.size());
  };
  return "n " + std::to_string(v.size()) + ", min " + fixed(quantile(v, 0)) + ", 25% " + fixed(quantile(v, 0.25)) +
         ", median " + fixed(median(v)) + ", 75% " + fixed(quantile(v, 0.75)) + ", max " + fixed(quantile(v, 1)) +
         " A; < 1 A: " + percent(below(1)) + ", < 2 A: " + percent(below(2));
}

struct CheckArgs {
  std::string path, split, form = "auto", cache, embeddings, as, format;
  bool match = false, compare_forms = false, tsv = false;
  uint32_t seed = 0;
};

// ETKDG conformer of the crystal ligand, its torsions randomised, then matched back to the crystal pose.
struct MatchRow {
  std::string method;
  double rmsd = NAN;
};

MatchRow match_to_crystal(const RDKit::ROMol& mol, const LigandGraph& graph, const std::string& name, uint32_t seed,
                          const Reporter& reporter) {
  ConformerOptions copt;
  copt.seed = seed;
  const Conformer conf = generate_conformer(mol, name, copt);
  if (!conf.warning.empty()) reporter.warn(conf.warning);
  std::vector<Vec3> start = conf.pos;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  std::vector<double> perturb(size_t(graph.torsions.size()));
  for (auto& a : perturb) a = angle(rng);
  apply_torsion_changes(start, graph.torsions, perturb);
  MatchOptions mopt;
  mopt.seed = seed;
  const MatchResult m = match_conformer(start, graph.pos, graph.torsions, mopt);
  return {conf.method, m.rmsd};
}

int check_one_file(const CheckArgs& a, const CommandContext& ctx) {
  std::string role = a.as;
  if (role.empty()) {
    const std::string ext = extension_of(a.path);
    if (ext == "pdb" || ext == "ent") role = "protein";
    else if (ext == "pdbqt") {
      const std::string text = read_text_file(a.path, "PDBQT");
      role = (text.find("\nROOT") != std::string::npos || text.rfind("ROOT", 0) == 0 ||
              text.find("TORSDOF") != std::string::npos) ? "ligand" : "protein";
    } else {
      role = "ligand";
    }
  }
  if (role == "protein") {
    const Protein p = read_pdb(a.path);
    const ReceptorGraph g = build_receptor_graph(p);
    std::string chains;
    for (char c : p.chains) chains += (chains.empty() ? "" : ",") + std::string(1, c == ' ' ? '_' : c);
    std::printf("%s: protein, %zu residues in %zu chains (%s), %lld heavy atoms, %zu receptor edges; dropped %lld "
                "hydrogens, %lld waters, %lld alternate-location atoms; %zu other HETATM groups; %lld residues "
                "without N, CA or C\n",
                a.path.c_str(), p.residues.size(), p.chains.size(), chains.c_str(), (long long)p.atoms(), g.edges.size(),
                (long long)p.hydrogens_dropped, (long long)p.waters_dropped, (long long)p.altloc_atoms_dropped,
                p.hetero.size(), (long long)p.residues_without_backbone);
    return kExitOk;
  }
  LigandReadOptions opt;
  opt.format = a.format;
  const auto ligands = read_ligands(a.path, opt);
  std::printf("%s: %zu molecule%s\n", a.path.c_str(), ligands.size(), ligands.size() == 1 ? "" : "s");
  std::printf("%-4s %-24s %6s %6s %9s %-18s %-3s%s\n", "#", "name", "atoms", "bonds", "rot_bonds", "reader", "3d",
              a.match ? " matched_rmsd" : "");
  for (size_t i = 0; i < ligands.size(); ++i) {
    const Ligand& l = ligands[i];
    for (const auto& w : l.warnings) ctx.reporter.warn(a.path + ": " + w);
    const std::vector<Vec3> pos = l.has_3d ? l.positions() : std::vector<Vec3>(size_t(l.num_atoms()));
    const LigandGraph g = build_ligand_graph(*l.mol, {}, pos);
    std::string matched;
    if (a.match && l.has_3d) matched = " " + fixed(match_to_crystal(*l.mol, g, l.name, a.seed, ctx.reporter).rmsd);
    std::printf("%-4zu %-24s %6lld %6zu %9lld %-18s %-3s%s\n", i + 1, l.name.substr(0, 24).c_str(),
                (long long)l.num_atoms(), g.bonds.size(), (long long)g.torsions.size(), l.reader.c_str(),
                l.has_3d ? "yes" : "no", matched.c_str());
  }
  return kExitOk;
}

void print_row(bool tsv, const std::vector<std::pair<std::string, int>>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (tsv) {
      line += (i ? "\t" : "") + cells[i].first;
    } else {
      char buf[512];
      std::snprintf(buf, sizeof buf, cells[i].second < 0 ? "%-*s" : "%*s", std::abs(cells[i].second), cells[i].first.c_str());
      line += (i ? "  " : "") + std::string(buf);
    }
  }
  std::printf("%s\n", line.c_str());
}

int check_folder(const CheckArgs& a, const CommandContext& ctx) {
  DatasetOptions opt;
  opt.split_file = a.split;
  opt.form = a.form;
  opt.cache_dir = a.cache;
  opt.embeddings_dir = a.embeddings;
  const bool tsv = a.tsv;
  std::vector<std::pair<std::string, int>> header = {{"id", -12}, {"layout", -18}, {"residues", 8}, {"atoms", 5},
                                                     {"rot_bonds", 9}};
  if (a.match) header.insert(header.end(), {{"conformer", -19}, {"matched_rmsd", 12}});
  if (a.compare_forms) header.push_back({"pdbqt_form", -10});
  header.push_back({"status", -1});
  bool header_printed = false;  // printed with the first row, so that a bad split file or folder prints nothing
  auto print = [&](const std::vector<std::pair<std::string, int>>& row) {
    if (!header_printed) print_row(tsv, header);
    header_printed = true;
    print_row(tsv, row);
    std::fflush(stdout);
  };
  std::vector<double> matched;
  std::map<std::string, int64_t> form_kinds;
  int64_t forms_same = 0, forms_compared = 0;
  std::vector<std::string> form_failures;
  int64_t index = 0;
  auto on_loaded = [&](const Complex& c) {
    std::vector<std::pair<std::string, int>> row = {{c.id, -12},
                                                    {c.layout, -18},
                                                    {std::to_string(c.receptor.num_nodes()), 8},
                                                    {std::to_string(c.ligand.num_atoms()), 5},
                                                    {std::to_string(c.ligand.torsions.size()), 9}};
    if (a.match) {
      MatchRow m;
      try {
        const auto mol = mol_from_block(c.ligand_molblock, c.id);
        m = match_to_crystal(*mol, c.ligand, c.id, a.seed + uint32_t(index), ctx.reporter);
        matched.push_back(m.rmsd);
      } catch (const std::exception& e) {  // one ligand's failure is a cell in the table, not the end of the run
        m.method = "failed";
        ctx.reporter.warn(c.id + ": conformer matching failed: " + e.what());
      }
      row.push_back({m.method, -19});
      row.push_back({std::isnan(m.rmsd) ? "-" : fixed(m.rmsd), 12});
    }
    if (a.compare_forms) {
      std::string cell;
      try {
        DatasetOptions other = opt;
        other.form = a.form == "pdbqt" ? "auto" : "pdbqt";
        other.cache_dir.clear();
        const Complex o = load_complex(find_complex(a.path, c.id, other.form), other);
        const auto diffs = compare_complexes(c, o);
        ++forms_compared;
        if (diffs.empty()) {
          ++forms_same;
          cell = "same";
        }
        for (const auto& d : diffs) {
          ++form_kinds[d.kind];
          cell += (cell.empty() ? "" : "; ") + d.kind + " (" + d.detail + ")";
        }
      } catch (const ComplexError& e) {
        cell = std::string("unreadable: ") + e.reason;
        form_failures.push_back(c.id + ": " + e.what());
      }
      row.push_back({cell, -10});
    }
    row.push_back({"ok", -1});
    print(row);
    ++index;
  };
  auto on_skipped = [&](const SkippedComplex& s) {
    std::vector<std::pair<std::string, int>> row = {{s.id, -12}, {"-", -18}, {"-", 8}, {"-", 5}, {"-", 9}};
    if (a.match) row.insert(row.end(), {{"-", -19}, {"-", 12}});
    if (a.compare_forms) row.push_back({"-", -10});
    row.push_back({"skipped: " + s.reason + ": " + s.message, -1});
    print(row);
    ++index;
  };
  const LoadSummary summary = load_dataset(a.path, opt, ctx.reporter, on_loaded, on_skipped);
  std::printf("summary: %s\n", summary.text().c_str());
  for (const auto& [reason, n] : summary.skipped_by_reason()) std::printf("  skipped %-26s %lld\n", reason.c_str(), (long long)n);
  if (a.match)
    std::printf("matched conformer RMSD to the crystal pose (seed %u): %s\n", a.seed, distribution(matched).c_str());
  if (a.compare_forms) {
    std::printf("forms: %lld of %lld loaded in both forms give the same graph\n", (long long)forms_same,
                (long long)forms_compared);
    for (const auto& [kind, n] : form_kinds) std::printf("  differ in %-22s %lld\n", kind.c_str(), (long long)n);
    std::printf("  other form unreadable: %zu\n", form_failures.size());
    for (const auto& f : form_failures) std::printf("    %s\n", f.c_str());
  }
  return kExitOk;
}

}  // namespace

int run_data_check(const CommandContext& ctx) {
  CLI::App app{"Parse protein-ligand complexes and report what a docking model would get.\n"
               "PATH is a folder of complexes (ROOT/ID/ID_protein[_processed].pdb + ID_ligand.sdf|.mol2, or the\n"
               "PDBQT pair with --form pdbqt): prints one row per complex (residues, ligand heavy atoms, rotatable\n"
               "bonds, status) and a summary of the skipped ones by reason; bad complexes are skipped, not fatal.\n"
               "PATH may also be one file: a protein (.pdb, .pdbqt without ROOT) or ligands (.sdf, .mol2, .smi,\n"
               "or any format Open Babel reads); then any problem is an error (exit code 2).",
               ctx.program};
  CheckArgs a;
  app.add_option("path", a.path, "Folder of complexes, or one protein/ligand file")->required();
  app.add_option("--split", a.split, "File of complex ids, one per line (default: every folder under PATH)");
  app.add_option("--form", a.form, "Which files to read: auto (PDB + SDF/MOL2) or pdbqt (ID_protein.pdbqt + ID_ligand.pdbqt)")
      ->check(CLI::IsMember({"auto", "pdbqt"}))
      ->capture_default_str();
  app.add_option("--cache", a.cache, "Graph cache folder (read, rebuilt when stale or corrupt, written)");
  app.add_option("--embeddings", a.embeddings, "Folder of per-residue embeddings ID.npy ([residues, dim] float)");
  app.add_option("--as", a.as, "For one file: read it as a protein or as ligands (default: by extension)")
      ->check(CLI::IsMember({"protein", "ligand"}));
  app.add_option("--format", a.format, "For one ligand file: its format when the extension does not say (sdf, mol2, smi, pdbqt, ...)");
  app.add_flag("--match-conformers", a.match,
               "Also generate an ETKDG conformer per ligand, randomise its torsions and match them to the crystal pose; "
               "reports the RMSD after matching and its distribution");
  app.add_option("--seed", a.seed, "Seed for conformer generation and the torsion perturbation")->capture_default_str();
  app.add_flag("--compare-forms", a.compare_forms,
               "Also load each complex in the other form (PDBQT pair vs PDB + SDF) and report how the graphs differ");
  app.add_flag("--tsv", a.tsv, "Tab-separated table (for scripts)");
  if (!parse_command_args(app, ctx)) return kExitOk;
  std::error_code ec;
  if (!fs::exists(a.path, ec)) throw DataError(a.path + ": no such file or folder");
  if (!fs::is_directory(a.path, ec)) {
    if (!a.split.empty() || !a.cache.empty() || a.compare_forms)
      throw UsageError(ctx.program + ": --split, --cache and --compare-forms need a folder of complexes");
    return check_one_file(a, ctx);
  }
  if (!a.as.empty() || !a.format.empty()) throw UsageError(ctx.program + ": --as and --format apply to one file only");
  return check_folder(a, ctx);
}

int run_rmsd(const CommandContext& ctx) {
  CLI::App app{"Symmetry-corrected, in-place RMSD of docked poses to a reference ligand (no re-alignment: poses are\n"
               "compared in the receptor frame). Atoms are matched by element and connectivity, so the poses may come\n"
               "from any tool, in any atom order, with other bond orders or hydrogens; the RMSD is the minimum over\n"
               "the molecule's symmetries. Poses are ranked in file order (the order disco dock and other tools write\n"
               "them; their disco_confidence, if any, is shown). With several REF POSES pairs (one per complex) the\n"
               "summary is over complexes.",
               ctx.program};
  std::vector<std::string> files;
  std::string out, format;
  bool no_symmetry = false;
  size_t max_mappings = 100000;
  app.add_option("files", files, "REF POSES [REF2 POSES2 ...]: reference ligand file, then the poses file (SDF, MOL2, PDBQT, ...)")
      ->required();
  app.add_flag("--no-symmetry", no_symmetry, "Plain RMSD in atom order (the files must list the atoms in the same order)");
  app.add_option("--max-mappings", max_mappings, "Cap on the symmetry mappings tried per molecule")->capture_default_str();
  app.add_option("-o,--out", out, "Write the ranked poses with disco_rank and disco_rmsd properties (one pair only)");
  app.add_option("--format", format, "Format of --out when its extension does not say (sdf, or any Open Babel format)");
  if (!parse_command_args(app, ctx)) return kExitOk;
  if (files.size() % 2 != 0) throw UsageError(ctx.program + ": expected REF POSES pairs, got " + std::to_string(files.size()) + " files");
  if (!out.empty() && files.size() != 2) throw UsageError(ctx.program + ": --out needs exactly one REF POSES pair");

  std::vector<std::vector<double>> rmsd_by_rank, centroid_by_rank;
  for (size_t p = 0; p < files.size(); p += 2) {
    const std::string& ref_path = files[p];
    const std::string& poses_path = files[p + 1];
    const Ligand ref = read_ligand(ref_path);
    if (!ref.has_3d) throw DataError(ref_path + ": the reference has no 3-D coordinates");
    for (const auto& w : ref.warnings) ctx.reporter.warn(ref_path + ": " + w);
    const std::vector<Vec3> ref_pos = ref.positions();
    const auto poses = read_ligands(poses_path);
    auto confidence = [&](size_t i) -> std::optional<double> {
      auto it = poses[i].properties.find("disco_confidence");
      if (it == poses[i].properties.end()) return std::nullopt;
      try {
        return std::stod(it->second);
      } catch (const std::exception&) {
        throw DataError(poses_path + ": molecule " + std::to_string(i + 1) + ": disco_confidence '" + it->second + "' is not a number");
      }
    };

    // The table is printed once every pose is scored, so a bad pose leaves only the error line.
    std::string table = std::string(p ? "\n" : "") + ref_path + " vs " + poses_path + " (" +
                        std::to_string(poses.size()) + (poses.size() == 1 ? " pose, " : " poses, ") +
                        "in file order)\n";
    char line[256];
    std::snprintf(line, sizeof line, "%-5s %-24s %9s %10s %10s\n", "rank", "name", "rmsd", "centroid", "confidence");
    table += line;
    std::vector<double> rmsds, centroids;
    std::vector<RankedPose> ranked;
    bool truncated = false;
    for (size_t i = 0; i < poses.size(); ++i) {
      const Ligand& pose = poses[i];
      for (const auto& w : pose.warnings) ctx.reporter.warn(poses_path + ": " + w);
      const std::string where = poses_path + ": molecule " + std::to_string(i + 1) + (pose.name.empty() ? "" : " (" + pose.name + ")");
      if (!pose.has_3d) throw DataError(where + ": no 3-D coordinates");
      Isomorphisms iso;
      if (no_symmetry) {
        if (pose.mol->getNumAtoms() != ref.mol->getNumAtoms())
          throw DataError(where + ": " + std::to_string(pose.mol->getNumAtoms()) + " heavy atoms, the reference has " +
                          std::to_string(ref.mol->getNumAtoms()));
        for (unsigned k = 0; k < ref.mol->getNumAtoms(); ++k)
          if (ref.mol->getAtomWithIdx(k)->getAtomicNum() != pose.mol->getAtomWithIdx(k)->getAtomicNum())
            throw DataError(where + ": atom " + std::to_string(k + 1) + " is " + pose.mol->getAtomWithIdx(k)->getSymbol() +
                            ", the reference's is " + ref.mol->getAtomWithIdx(k)->getSymbol() +
                            " (--no-symmetry needs the same atom order)");
      } else {
        iso = graph_isomorphisms(*ref.mol, *pose.mol, max_mappings);
        if (iso.mappings.empty())
          throw DataError(where + ": its heavy-atom graph " + graph_summary(*pose.mol) + " differs from the reference's " +
                          graph_summary(*ref.mol));
        truncated = truncated || iso.truncated;
      }
      const auto pos = pose.positions();
      const double rmsd = symmetric_rmsd(ref_pos, pos, iso.mappings);
      const double centroid = centroid_distance(ref_pos, pos);
      rmsds.push_back(rmsd);
      centroids.push_back(centroid);
      const auto conf = confidence(i);
      std::snprintf(line, sizeof line, "%-5zu %-24s %9s %10s %10s\n", i + 1, pose.name.substr(0, 24).c_str(),
                    fixed(rmsd, 3).c_str(), fixed(centroid, 3).c_str(), conf ? fixed(*conf, 4).c_str() : "-");
      table += line;
      RankedPose rp;
      rp.pos = pos;
      rp.rmsd = rmsd;
      rp.confidence = conf;
      rp.properties = pose.properties;
      ranked.push_back(std::move(rp));
    }
    if (truncated)
      ctx.reporter.warn(poses_path + ": more than " + std::to_string(max_mappings) +
                        " symmetry mappings; the RMSD is the minimum over the first ones (raise --max-mappings)");
    std::fputs(table.c_str(), stdout);
    rmsd_by_rank.push_back(rmsds);
    centroid_by_rank.push_back(centroids);
    if (!out.empty()) {
      write_ranked_poses(out, *ref.mol, ranked, format);
      std::printf("wrote %zu ranked poses to %s\n", ranked.size(), out.c_str());
    }
  }
  const PoseSetSummary s = summarize_poses(rmsd_by_rank, centroid_by_rank);
  std::printf("\nsummary over %lld complex%s: top-1 RMSD < 2 A %s, < 5 A %s; best of top-5 < 2 A %s, < 5 A %s; "
              "median RMSD top-1 %s A, top-5 %s A; median centroid distance top-1 %s A\n",
              (long long)s.complexes, s.complexes == 1 ? "" : "es", percent(s.top1_below_2).c_str(),
              percent(s.top1_below_5).c_str(), percent(s.top5_below_2).c_str(), percent(s.top5_below_5).c_str(),
              fixed(s.median_top1).c_str(), fixed(s.median_top5).c_str(), fixed(s.median_centroid_top1).c_str());
  return kExitOk;
}

}  // namespace disco::docking
