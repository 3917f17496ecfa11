// `disco dock`: docks ligands into proteins with a trained DisCo-DiffDock run.
//
//   disco dock [--model RUN] --protein P.pdb --ligand L.sdf|L.mol2|SMILES [--ref crystal.sdf] [--center X,Y,Z]
//   disco dock [--model RUN] --csv FILE      (columns complex_name,protein_path,ligand_description)
//
// Writes OUT/<name>/rank1.sdf ... rankN.sdf, poses.sdf (every rank, with disco_rank, disco_model_score,
// disco_confidence when the run has a confidence model (`disco confidence`), which ranks unrefined poses unless
// dock.ranking = "model_score", and, with --ref, disco_rmsd) and OUT/summary.csv (one row per pose). Names from
// a CSV are sanitised so that no output can land outside OUT.
//
// Refinement (physics/pose_refinement.h, on by default): every diffusion sample is optimised locally under the
// Vina-family score in the pose space, Monte-Carlo chains search from the best (--refine search), and the poses
// are re-ranked by the score (energy, kcal/mol; `disco_score` is the predicted affinity). --refine none keeps
// the diffusion model's own poses and ranking. --proposals random replaces the diffusion samples by random
// placements of the input ligand (the ablation that shows what the learned proposals add).
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <GraphMol/ROMol.h>
#include <torch/utils.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <random>
#include <sstream>

#include "automorphism.h"
#include "commands.h"
#include "complex.h"
#include "conformer.h"
#include "decimal_text.h"
#include "disco/atomic_file.h"
#include "disco/error.h"
#include "disco/registry.h"
#include "docking_settings.h"
#include "latent_nodes.h"
#include "confidence_model.h"
#include "trained_run.h"
#include "metrics.h"
#include "molecule.h"
#include "pose_sampler.h"
#include "pose_checks.h"
#include "pose_refinement.h"
#include "protein.h"
#include "shipped_model.h"
#include "text_file.h"
#include "vina_score.h"

namespace fs = std::filesystem;

namespace disco::docking {

namespace {

struct DockJob {
  std::string name, protein, ligand;
};

// Keeps [A-Za-z0-9._-], replaces anything else with '_'; "", "." and ".." become "complex_<row>".
std::string safe_name(const std::string& name, size_t row) {
  std::string out;
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  if (out.empty() || out == "." || out == "..") out = "complex_" + std::to_string(row);
  return out;
}

std::vector<DockJob> read_jobs_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DataError(path + ": cannot open");
  std::vector<DockJob> jobs;
  std::string line;
  size_t row = 0;
  while (std::getline(in, line)) {
    ++row;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    if (row == 1 && !cells.empty() && cells[0] == "complex_name") continue;
    if (cells.size() != 3)
      throw DataError(path + ":" + std::to_string(row) + ": expected 3 columns complex_name,protein_path,ligand_description, got " +
                      std::to_string(cells.size()));
    const fs::path base = fs::path(path).parent_path();
    auto resolve = [&](const std::string& p) { return fs::path(p).is_absolute() || p.empty() ? p : (base / p).string(); };
    const std::string ligand = fs::exists(resolve(cells[2])) ? resolve(cells[2]) : cells[2];
    jobs.push_back({safe_name(cells[0], row), resolve(cells[1]), ligand});
  }
  if (jobs.empty()) throw DataError(path + ": no rows");
  return jobs;
}

// A ligand from a file, or a SMILES string when no such file exists.
Ligand load_ligand(const std::string& description) {
  if (fs::exists(description)) return read_ligand(description);
  if (description.find('/') != std::string::npos || description.find(".sdf") != std::string::npos ||
      description.find(".mol2") != std::string::npos)
    throw DataError(description + ": no such file");
  return ligand_from_smiles(description, "SMILES");
}

Vec3 parse_centre(const std::string& text) {
  double x, y, z;
  char c1, c2;
  std::istringstream in(text);
  if (!(in >> x >> c1 >> y >> c2 >> z) || c1 != ',' || c2 != ',')
    throw UsageError("--center: expected X,Y,Z in Å, got '" + text + "'");
  return {x, y, z};
}

// n random placements of the ligand: uniformly random torsions and orientation, the centroid uniform in a cube
// of +-`spread` Å around `centre`.
std::vector<DockedPose> random_poses(const DockingExample& example, const Vec3& centre, int64_t n, double spread, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-1, 1), unit(0, 1);
  std::normal_distribution<double> normal;
  std::vector<DockedPose> out;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> torsions;
    for (int64_t t = 0; t < example.torsions.size(); ++t) torsions.push_back(M_PI * uniform(rng));
    std::vector<Vec3> posed = example.lig_pos;
    apply_torsion_changes(posed, example.torsions, torsions);
    Vec3 axis{normal(rng), normal(rng), normal(rng)};
    // A uniformly random rotation: angle with density (1 - cos w) / pi, by rejection.
    double angle = 0;
    do angle = M_PI * unit(rng);
    while (2 * unit(rng) > 1 - std::cos(angle));
    apply_rigid(posed, axis_angle_matrix(axis / std::max(norm(axis), 1e-9), angle), Vec3());
    const Vec3 shift = centre + Vec3(uniform(rng), uniform(rng), uniform(rng)) * spread - centroid(posed);
    DockedPose p;
    for (const Vec3& a : posed) p.pos.push_back(a + shift);
    out.push_back(std::move(p));
  }
  return out;
}


}  // namespace

int run_dock(const CommandContext& ctx) {
  CLI::App app{"Dock ligands into proteins with a trained DisCo-DiffDock run.\n"
               "Writes OUT/<name>/rank1.sdf ... rankN.sdf, OUT/<name>/poses.sdf and OUT/summary.csv.",
               ctx.program};
  std::string model_dir, protein, ligand, csv, out = "dock-out", ref, centre_text, report;
  int64_t samples = 0, steps = 0;
  int64_t seed = -1;
  app.add_option("--model", model_dir,
                 std::string("Run directory of a trained docking model (disco train ... --out RUN); default: the shipped "
                             "model, MODELS/") + kShippedDockingModel + " (MODELS: $DISCO_MODELS_DIR, else ../share/disco/models next to the executable)");
  app.add_option("--protein", protein, "Protein PDB file");
  app.add_option("--ligand", ligand, "Ligand: an SDF/MOL2 file or a SMILES string; docked as a seeded RDKit conformer when the model was trained with data.conformer_matching, else from the file's coordinates");
  app.add_option("--csv", csv, "Batch: a CSV with columns complex_name,protein_path,ligand_description (paths relative to the CSV)");
  app.add_option("--out", out, "Output folder (default dock-out)");
  app.add_option("--samples", samples, "Poses per complex (default: the run's dock.samples)");
  app.add_option("--steps", steps, "Reverse-diffusion steps (default: the run's dock.steps)");
  app.add_option("--ref", ref, "Reference ligand (crystal pose) for RMSD columns; also the pocket centre unless --center is given");
  app.add_option("--center", centre_text, "Pocket centre X,Y,Z in Å (for a model trained on pockets, unless --ref gives it; a blind model, data.pocket_radius = 0, uses the protein's centre)");
  app.add_option("--seed", seed, "Seed of the sampler (default: the run's seed)");
  app.add_option("--report", report, "Also write the `disco report` page of the docked poses (3-D views) to this HTML file");
  std::string refine_text = "search", proposals = "diffusion";
  RefineOptions refine;
  double box_size = 22;
  app.add_option("--refine", refine_text, "Physics refinement of the poses under the Vina-family score: none, local (every pose "
                 "optimised locally), search (local, then Monte-Carlo chains from the best) (default search)")
      ->check(CLI::IsMember({"none", "local", "search"}));
  app.add_option("--chains", refine.chains, "Monte-Carlo chains of --refine search, seeded by the best poses (default " +
                 std::to_string(refine.chains) + ")")
      ->check(CLI::Range(0, 1000));
  app.add_option("--mc-steps", refine.search.steps, "Monte-Carlo steps per chain (default " + std::to_string(refine.search.steps) + "); chains x steps is the "
                 "speed/accuracy knob, like Vina's exhaustiveness")->check(CLI::Range(0, 100000));
  app.add_option("--mc-iterations", refine.search.local.max_iterations, "BFGS iterations of each Monte-Carlo step's local "
                 "optimisation (default " + std::to_string(refine.search.local.max_iterations) + "); fewer make more, rougher steps "
                 "in the same time")->check(CLI::Range(1, 10000));
  app.add_option("--population-weight", refine.population_weight, "Rank refined poses by energy - W x ln(cluster size), "
                 "kcal/mol: a bonus for minima that many samples and chains reach (default " +
                 fixed(refine.population_weight, 2) + "; 0 ranks by energy alone, as Vina)")->check(CLI::Range(0.0, 100.0));
  app.add_option("--box-size", box_size, "Edge of the cubic search box around the pocket centre, Å (default 22, as the Vina "
                 "benchmark's box); refined ligand atoms are kept inside it")->check(CLI::Range(4.0, 200.0));
  app.add_option("--proposals", proposals, "Where the poses come from: diffusion (the model's samples) or random (random "
                 "placements of the ligand within 4 Å of the centre, for ablations) (default diffusion)")
      ->check(CLI::IsMember({"diffusion", "random"}));
  if (!parse_command_args(app, ctx)) return 0;
  refine.mode = parse_refine_mode(refine_text, "--refine");
  if (csv.empty() && (protein.empty() || ligand.empty())) throw UsageError(ctx.program + ": give --protein and --ligand, or --csv (see --help)");
  if (!csv.empty() && (!protein.empty() || !ligand.empty())) throw UsageError(ctx.program + ": --csv excludes --protein/--ligand");

  if (model_dir.empty()) model_dir = find_shipped_docking_model(fs::read_symlink("/proc/self/exe").string());
  TrainedRun run = load_trained_run(model_dir, ctx);
  DockingSettings& s = run.settings;
  apply_threads(ctx.threads, run.config);  // -j, else the run's `threads`
  if (samples > 0) s.samples = samples;
  if (steps > 0) s.steps = steps;
  if (seed >= 0) s.seed = uint64_t(seed);
  std::vector<DockJob> jobs = csv.empty() ? std::vector<DockJob>{{safe_name(fs::path(ligand).stem().string(), 1), protein, ligand}}
                                          : read_jobs_csv(csv);
  if (csv.empty() && !fs::exists(ligand)) jobs[0].name = "ligand";

  std::optional<Ligand> reference;
  if (!ref.empty()) reference = read_ligand(ref);
  std::optional<Vec3> centre;
  if (!centre_text.empty()) centre = parse_centre(centre_text);
  else if (reference) centre = centroid(reference->positions());

  fs::create_directories(out);
  std::ostringstream summary, listing, ranks;
  const bool refined = refine.mode != RefineMode::None;
  summary << "complex_name,rank,model_score" << (run.confidence ? ",confidence" : "") << (reference ? ",rmsd" : "")
          << (refined ? ",score,energy,sample,cluster_size" : "");
  for (int64_t l = 1; run.model.prior && l <= s.m; ++l) summary << ",latent" << l;  // the node each latent picked
  for (const std::string& col : pose_check_csv_columns()) summary << ',' << col;
  summary << ",seconds\n";
  // For --report: OUT/eval/{complexes,rmsd}.csv in the layout `disco eval` writes for a docking run.
  listing << "complex,protein,reference_ligand,poses\n";
  ranks << "complex,rank,rmsd,model_score,latents,confidence\n";
  auto gen = at::detail::createCPUGenerator(s.seed + 4242);
  int failures = 0;
  for (const DockJob& job : jobs) {
    try {
      const auto t0 = std::chrono::steady_clock::now();
      Complex c;
      c.id = job.name;
      const Protein protein = read_pdb(job.protein);
      c.receptor = build_receptor_graph(protein);
      Ligand lig = load_ligand(job.ligand);
      std::vector<Vec3> pos;
      // A model trained on matched conformers (data.conformer_matching) docks an RDKit conformer, as it was
      // evaluated; the file's own coordinates (perhaps a crystal pose) would hand it bond geometry it never saw.
      if (lig.has_3d && !s.conformer_matching) {
        pos = lig.positions();
      } else {
        ConformerOptions co;
        co.seed = uint32_t(s.seed);
        pos = generate_conformer(*lig.mol, job.name, co).pos;
      }
      c.ligand = build_ligand_graph(*lig.mol, {}, pos);
      c.ligand_molblock = mol_block(*lig.mol, pos);
      Vec3 at;
      if (s.pocket.pocket_radius <= 0) {
        at = centroid(c.receptor.ca);  // blind: the protein's centre, as in training
      } else if (centre) {
        at = *centre;
      } else {
        throw UsageError(job.name + ": this model was trained on pockets (data.pocket_radius = " +
                         std::to_string(s.pocket.pocket_radius) + " Å): give --center X,Y,Z or --ref");
      }
      const DockingExample example = make_example(c, at, s.pocket, s.seed);
      auto poses = proposals == "random" ? random_poses(example, at, s.samples, 4.0, s.seed + 77)
                                         : dock_poses(*run.model.ema, run.model.prior.get(), example, s, gen);
      if (run.confidence && proposals != "random") apply_confidence_model(*run.confidence, example, poses, s);
      std::vector<RefinedPose> refined_poses;
      if (refined) {
        SearchBox box;
        box.centre = at;
        box.size = {box_size, box_size, box_size};
        const VinaScore score = make_vina_score(job.protein, c.ligand_molblock, c.ligand.num_atoms(), c.ligand.bonds, box, job.name);
        std::vector<std::vector<Vec3>> samples;
        for (const DockedPose& p : poses) samples.push_back(p.pos);
        refined_poses = refine_poses(score, c.ligand.torsions, pos, samples, refine, gen);
      }
      // The confidence model scores the poses that are written: the refined ones too (their ranking stays by energy).
      std::vector<double> refined_confidence;
      if (refined && run.confidence) {
        std::vector<const std::vector<Vec3>*> ptrs;
        for (const RefinedPose& q : refined_poses) ptrs.push_back(&q.pos);
        refined_confidence = pose_confidences(*run.confidence, example, ptrs, s);
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      // PoseBusters-style checks of every pose against the input ligand's own geometry (physics/pose_checks.h).
      const PoseChecker checker(*lig.mol, pos, protein);

      std::vector<std::vector<int32_t>> mappings;
      if (reference) {
        mappings = graph_isomorphisms(*reference->mol, *lig.mol, 1000).mappings;
        if (mappings.empty())
          throw DataError(ref + ": the reference ligand is not the docked molecule (" + graph_summary(*reference->mol) +
                          " vs " + graph_summary(*lig.mol) + ")");
      }
      std::vector<RankedPose> ranked;
      const size_t count = refined ? refined_poses.size() : poses.size();
      for (size_t r = 0; r < count; ++r) {
        // A refined pose carries the diffusion sample it came from (its model score and latents).
        const DockedPose& sample = poses[refined ? size_t(refined_poses[r].origin) : r];
        RankedPose p;
        p.pos = refined ? refined_poses[r].pos : sample.pos;
        // Written in the order they come: without refinement as apply_confidence_model left them (by confidence,
        // or by the model's own score with dock.ranking = "model_score"); refined poses ranked by energy.
        if (refined && !refined_confidence.empty()) p.confidence = refined_confidence[r];
        if (!refined) p.confidence = sample.confidence;
        p.properties["disco_model_score"] = std::to_string(sample.model_score);
        if (refined) {
          const RefinedPose& q = refined_poses[r];
          p.properties["disco_score"] = fixed(q.affinity, 3);
          p.properties["minimizedAffinity"] = fixed(q.affinity, 3);  // gnina's tag, read by common tools
          p.properties["disco_energy"] = fixed(q.energy(), 3);
          p.properties["disco_sample"] = std::to_string(q.origin + 1);
          p.properties["disco_cluster_size"] = std::to_string(q.cluster_size);
        }
        for (size_t l = 0; l < sample.latents.size(); ++l)  // what each latent picked (latent_nodes.h)
          p.properties["disco_latent" + std::to_string(l + 1)] = describe_latent_node(example, sample.latents[l]);
        if (reference) p.rmsd = symmetric_rmsd(reference->positions(), p.pos, mappings);
        for (const auto& [k, v] : pose_check_sdf_properties(checker.check(p.pos))) p.properties[k] = v;
        ranked.push_back(p);
      }
      const std::string dir = out + "/" + job.name;
      fs::create_directories(dir);
      write_ranked_poses(dir + "/poses.sdf", *lig.mol, ranked);
      for (size_t r = 0; r < ranked.size(); ++r) {
        write_ranked_poses(dir + "/rank" + std::to_string(r + 1) + ".sdf", *lig.mol, {ranked[r]});
        const std::string confidence = ranked[r].confidence ? std::to_string(*ranked[r].confidence) : "";
        summary << job.name << ',' << r + 1 << ',' << ranked[r].properties["disco_model_score"];
        if (run.confidence) summary << ',' << confidence;
        if (reference) summary << ',' << *ranked[r].rmsd;
        if (refined)
          summary << ',' << ranked[r].properties["disco_score"] << ',' << ranked[r].properties["disco_energy"] << ','
                  << ranked[r].properties["disco_sample"] << ',' << ranked[r].properties["disco_cluster_size"];
        std::string latents;  // "residue A:HIS41; ligand atom 7 (N)": the report highlights these
        for (int64_t l = 1; run.model.prior && l <= s.m; ++l) {
          const std::string& what = ranked[r].properties["disco_latent" + std::to_string(l)];
          summary << ',' << what;
          latents += (l > 1 ? "; " : "") + what;
        }
        for (const std::string& cell : pose_check_csv_values(ranked[r].properties)) summary << ',' << cell;
        summary << ',' << seconds << '\n';
        ranks << job.name << ',' << r + 1 << ',' << (reference ? std::to_string(*ranked[r].rmsd) : std::string()) << ','
              << ranked[r].properties["disco_model_score"] << ',' << latents << ',' << confidence << '\n';
      }
      listing << job.name << ',' << fs::absolute(job.protein).string() << ','
              << (reference ? fs::absolute(ref).string() : std::string()) << ",../" << job.name << "/poses.sdf\n";
      std::printf("%s: %zu poses in %.2f s -> %s/poses.sdf", job.name.c_str(), ranked.size(), seconds, dir.c_str());
      if (reference) std::printf(" (rank-1 RMSD %.2f Å)", *ranked.front().rmsd);
      std::printf("\n");
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      if (jobs.size() == 1) throw;
      ++failures;
      ctx.reporter.warn(job.name + ": " + e.what() + "; skipped");
    }
  }
  write_text_atomically(out + "/summary.csv", summary.str());
  if (!report.empty()) {
    // The page is the CLI's `disco report`: OUT becomes a report-able directory (the model's config and the
    // eval layout) and this same executable renders it.
    fs::create_directories(out + "/eval");
    write_text_atomically(out + "/eval/complexes.csv", listing.str());
    write_text_atomically(out + "/eval/rmsd.csv", ranks.str());
    write_text_atomically(out + "/config.toml", read_text_file(model_dir + "/config.toml", "run config"));
    auto quote = [](const std::string& a) {
      std::string q = "'";
      for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
      return q + "'";
    };
    const std::string cmd = quote(fs::read_symlink("/proc/self/exe").string()) + " -q report " + quote(out) +
                            " --out " + quote(report) + " --title " + quote("disco dock: " + out);
    std::fflush(stdout);
    if (std::system(cmd.c_str()) != 0) throw RuntimeError("--report: `disco report " + out + "` failed");
  }
  if (failures > 0) ctx.reporter.warn(std::to_string(failures) + " of " + std::to_string(jobs.size()) + " complexes failed");
  return failures == int(jobs.size()) ? 2 : 0;
}

}  // namespace disco::docking
