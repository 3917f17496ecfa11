// The Vina-family score (physics/): XS typing, the pair terms, grid maps against exact sums, gradients in the
// pose space against finite differences, local optimisation, and agreement with AutoDock Vina itself
// (`vina --score_only` on Open Babel's PDBQT of the same files) on real complexes.
#include <ATen/ATen.h>
#include <GraphMol/GraphMol.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "autodock_input.h"
#include "bfgs.h"
#include "disco/error.h"
#include "graph.h"
#include "local_optimizer.h"
#include "molecule.h"
#include "pose_energy_kernel.h"
#include "pose_parameters.h"
#include "pose_refinement.h"
#include "test_util.h"
#include "torsion.h"
#include "vina_ligand.h"
#include "vina_score.h"
#include "vina_terms.h"
#include "vina_torsions.h"
#include "xs_atom_types.h"
#include <doctest/doctest.h>  // last: LibTorch brings glog, whose CHECK it must override

using namespace disco::docking;
using namespace docking_test;
namespace fs = std::filesystem;

namespace {

std::string pdbqt_atom(int serial, double x, double y, double z, const char* type) {
  char buf[100];
  std::snprintf(buf, sizeof buf, "ATOM  %5d  X   LIG A   1    %8.3f%8.3f%8.3f  0.00  0.00    +0.000 %-2s\n", serial, x, y, z, type);
  return buf;
}

struct LoadedComplex {
  std::string protein, ligand_file;
  Ligand ligand;
  LigandGraph graph;
};

LoadedComplex load_complex(const std::string& dir, const std::string& id, const std::string& protein_suffix = "_protein.pdb") {
  LoadedComplex c;
  c.protein = dir + "/" + id + protein_suffix;
  c.ligand_file = dir + "/" + id + "_ligand.sdf";
  c.ligand = read_ligand(c.ligand_file);
  c.graph = build_ligand_graph(*c.ligand.mol);
  return c;
}

VinaScore score_of(const LoadedComplex& c, double box = 22) {
  SearchBox b;
  b.centre = centroid(c.graph.pos);
  b.size = {box, box, box};
  return make_vina_score(c.protein, mol_block(*c.ligand.mol), c.graph.num_atoms(), c.graph.bonds, b, c.ligand_file);
}

at::Tensor as_tensor(const std::vector<Vec3>& pos) {
  at::Tensor t = at::empty({1, int64_t(pos.size()), 3}, at::kDouble);
  for (size_t i = 0; i < pos.size(); ++i) {
    t[0][int64_t(i)][0] = pos[i].x;
    t[0][int64_t(i)][1] = pos[i].y;
    t[0][int64_t(i)][2] = pos[i].z;
  }
  return t;
}

bool have_command(const std::string& name) { return std::system(("command -v " + name + " > /dev/null 2>&1").c_str()) == 0; }

// "(1) Final Intermolecular Energy    : -9.227 (kcal/mol)" and "Estimated Free Energy of Binding   : -6.831 ..."
bool vina_score_only(const std::string& receptor, const std::string& ligand, const std::string& log, double& inter, double& affinity) {
  const std::string cmd = "vina --score_only --autobox --receptor '" + receptor + "' --ligand '" + ligand + "' > '" + log + "' 2>&1";
  if (std::system(cmd.c_str()) != 0) return false;
  std::ifstream in(log);
  std::string line;
  bool got_inter = false, got_affinity = false;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (line.find("Final Intermolecular Energy") != std::string::npos) got_inter = (std::istringstream(line.substr(colon + 1)) >> inter).good();
    if (line.find("Estimated Free Energy of Binding") != std::string::npos)
      got_affinity = (std::istringstream(line.substr(colon + 1)) >> affinity).good();
  }
  return got_inter && got_affinity;
}

// n copies of `pos`, each turned by `angle` rad about a random axis and moved `shift` Å in a random direction.
std::vector<std::vector<Vec3>> perturbed_poses(const std::vector<Vec3>& pos, int n, double angle, double shift, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<Vec3>> poses;
  for (int i = 0; i < n; ++i) {
    std::vector<Vec3> p = pos;
    apply_rigid(p, axis_angle_matrix(random_unit(rng), angle), random_unit(rng) * shift);
    poses.push_back(p);
  }
  return poses;
}

}  // namespace

TEST_CASE("XS typing follows Vina's rules: polar carbon, donors by polar H, acceptors by AutoDock type, metals") {
  std::string text;
  text += pdbqt_atom(1, 0, 0, 0, "C");       // bonded to the O: C_P
  text += pdbqt_atom(2, 1.43, 0, 0, "OA");   // bonded to HD 3: O_DA
  text += pdbqt_atom(3, 1.80, 0.9, 0, "HD");
  text += pdbqt_atom(4, -1.53, 0, 0, "C");   // bonded to C only: C_H
  text += pdbqt_atom(5, 10, 0, 0, "NA");     // no H: N_A
  text += pdbqt_atom(6, 20, 0, 0, "N");      // bonded to HD 7: N_D
  text += pdbqt_atom(7, 21.0, 0, 0, "HD");
  text += pdbqt_atom(8, 30, 0, 0, "Zn");     // Met_D
  text += pdbqt_atom(9, 40, 0, 0, "Cl");     // Cl_H
  text += pdbqt_atom(10, 50, 0, 0, "SA");    // S_P
  const PdbqtMolecule m = parse_pdbqt(text, "t.pdbqt");
  std::vector<int64_t> heavy;
  const std::vector<XsType> types = xs_types(m.atoms, "t.pdbqt", &heavy);
  const std::vector<XsType> want = {XsType::C_P, XsType::O_DA, XsType::C_H, XsType::N_A, XsType::N_D,
                                    XsType::Met_D, XsType::Cl_H, XsType::S_P};
  REQUIRE(types.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) CHECK(xs_type_name(types[i]) == std::string(xs_type_name(want[i])));
  CHECK(heavy == std::vector<int64_t>{0, 1, 3, 4, 5, 7, 8, 9});
  CHECK(xs_is_donor(XsType::Met_D));
  CHECK(xs_hydrogen_bond(XsType::N_D, XsType::O_A));
  CHECK_FALSE(xs_hydrogen_bond(XsType::N_D, XsType::N_D));

  // An AutoDock type the score cannot type is one error naming the file, the line and the type.
  const std::string bad = pdbqt_atom(1, 0, 0, 0, "C") + pdbqt_atom(2, 5, 0, 0, "Xx");
  try {
    xs_types(parse_pdbqt(bad, "bad.pdbqt").atoms, "bad.pdbqt");
    FAIL("no error");
  } catch (const disco::DataError& e) {
    CHECK(std::string(e.what()) == "bad.pdbqt:2: atom 2 has AutoDock type 'Xx', which the Vina score cannot type");
  }
  CHECK_THROWS_AS(parse_pdbqt("ATOM      1  C   LIG A   1       0.000   0.000\n", "short.pdbqt"), disco::DataError);
}

TEST_CASE("Vina pair terms: values at known distances, scalar and tensor forms agree, zero beyond the cutoff") {
  const VinaPairKind cc = vina_pair_kind(XsType::C_H, XsType::C_H);  // hydrophobic, radii 1.9 + 1.9
  // At r = 3.8 (d = 0): gauss1 = 1, gauss2 = exp(-2.25), hydrophobic = 1, no repulsion.
  CHECK(vina_pair_energy(3.8, cc) == doctest::Approx(kVinaGauss1 + kVinaGauss2 * std::exp(-2.25) + kVinaHydrophobic).epsilon(1e-12));
  // At d = -0.5: repulsion 0.25, hydrophobic 1, gauss1 exp(-1), gauss2 exp(-(3.5/2)^2).
  CHECK(vina_pair_energy(3.3, cc) == doctest::Approx(kVinaGauss1 * std::exp(-1.0) + kVinaGauss2 * std::exp(-3.0625) +
                                                     kVinaRepulsion * 0.25 + kVinaHydrophobic).epsilon(1e-12));
  const VinaPairKind hb = vina_pair_kind(XsType::N_D, XsType::O_A);  // radii 1.8 + 1.7, h-bond
  CHECK(hb.hydrogen_bond);
  CHECK_FALSE(hb.hydrophobic);
  // d = -0.35: half the h-bond term.
  CHECK(vina_pair_energy(3.15, hb) == doctest::Approx(kVinaGauss1 * std::exp(-0.49) + kVinaGauss2 * std::exp(-(3.35 / 2) * (3.35 / 2)) +
                                                      kVinaRepulsion * 0.1225 + kVinaHydrogenBond * 0.5).epsilon(1e-12));
  CHECK(vina_pair_energy(8.0, cc) == 0.0);
  CHECK(vina_pair_energy(7.99, cc) != 0.0);
  const std::vector<double> r = {1.0, 2.5, 3.15, 3.8, 5.0, 7.9, 8.5};
  for (const VinaPairKind& k : {cc, hb}) {
    const at::Tensor e = vina_pair_energy(at::tensor(r, at::kDouble), at::full({1}, k.radius_sum, at::kDouble),
                                          at::full({1}, double(k.hydrophobic), at::kDouble),
                                          at::full({1}, double(k.hydrogen_bond), at::kDouble));
    for (size_t i = 0; i < r.size(); ++i) CHECK(e[int64_t(i)].item<double>() == doctest::Approx(vina_pair_energy(r[i], k)).epsilon(1e-12));
  }
}

TEST_CASE("Vina score of a real complex: grid maps against exact sums; rotatable-bond count; pair list") {
  const LoadedComplex c = load_complex(complexes_dir() + "/1G9V_RQ3", "1G9V_RQ3");
  const VinaScore s = score_of(c);
  // Open Babel makes 10 active torsions for this ligand; Vina's count weighs them down to 6 (vina --score_only:
  // -9.227 x 1 / (1 + 0.05846 x 6) = -6.831).
  CHECK(s.ligand().num_rotatable == doctest::Approx(6.0));
  CHECK(!s.ligand().intra_pairs.empty());
  for (const auto& p : s.ligand().intra_pairs) CHECK(p[0] < p[1]);
  const double exact = s.intermolecular_exact(c.graph.pos);
  const double grid = s.intermolecular(as_tensor(c.graph.pos)).item<double>();
  MESSAGE("1G9V_RQ3 crystal pose: intermolecular exact " << exact << ", grid " << grid);
  CHECK(exact < -5);
  // Trilinear interpolation at 0.375 Å (Vina's grid spacing) is within a few per cent of the exact sum.
  CHECK(std::abs(grid - exact) < 0.05 * std::abs(exact));
  CHECK(s.intramolecular(as_tensor(c.graph.pos)).item<double>() == doctest::Approx(s.intramolecular_exact(c.graph.pos)).epsilon(1e-9));
}

TEST_CASE("pose-space gradients of the score equal finite differences") {
  const LoadedComplex c = load_complex(complexes_dir() + "/1G9V_RQ3", "1G9V_RQ3");
  const VinaScore s = score_of(c);
  const TorsionTensors tt = torsion_tensors(c.graph.torsions);
  REQUIRE(tt.size() > 0);
  const at::Tensor ref = as_tensor(c.graph.pos);
  at::manual_seed(3);
  const at::Tensor x0 = at::randn({1, pose_parameter_count(tt)}, at::kDouble) * 0.2;
  at::Tensor x = x0.clone().requires_grad_(true);
  const at::Tensor e = s.total(posed_coordinates(ref, x, tt));
  e.sum().backward();
  const at::Tensor g = x.grad();
  const double h = 1e-6;
  for (int64_t k = 0; k < x0.size(1); ++k) {
    at::Tensor xp = x0.clone(), xm = x0.clone();
    xp[0][k] += h;
    xm[0][k] -= h;
    const double fd = (s.total(posed_coordinates(ref, xp, tt)).item<double>() - s.total(posed_coordinates(ref, xm, tt)).item<double>()) / (2 * h);
    CHECK(g[0][k].item<double>() == doctest::Approx(fd).epsilon(1e-4).scale(1.0));
  }
  // The fused CPU kernel computes the same energy and gradient as the tensor ops with autograd, for a batch of
  // poses, some moved partly out of the box (the penalty) and one far out.
  at::Tensor batch = at::randn({6, pose_parameter_count(tt)}, at::kDouble) * 0.5;
  batch[4][0] = 9.0;
  batch[5][1] = -40.0;
  const at::Tensor refs = ref.expand({6, -1, -1}).contiguous();
  const auto [fe, fg] = fused_pose_energy(s.energy_problem(c.graph.torsions), refs, batch);
  const auto [ae, ag] = autograd_objective([&](const at::Tensor& p) { return s.total(posed_coordinates(refs, p, tt)); })(batch);
  CHECK((fe - ae).abs().max().item<double>() < 1e-9);
  CHECK((fg - ag).abs().max().item<double>() < 1e-7);
  CHECK(fe[5].item<double>() > 100);  // far outside the box: the penalty

  // Zero parameters give the reference pose back; a pure torsion change keeps every bond length.
  const at::Tensor same = posed_coordinates(ref, at::zeros({1, pose_parameter_count(tt)}, at::kDouble), tt);
  CHECK((same - ref).abs().max().item<double>() < 1e-12);
  at::Tensor twist = at::zeros({1, pose_parameter_count(tt)}, at::kDouble);
  twist.slice(1, 6).fill_(0.7);
  const at::Tensor twisted = posed_coordinates(ref, twist, tt);
  for (const auto& b : c.graph.bonds) {
    const double before = (ref[0][b[0]] - ref[0][b[1]]).norm().item<double>();
    const double after = (twisted[0][b[0]] - twisted[0][b[1]]).norm().item<double>();
    CHECK(after == doctest::Approx(before).epsilon(1e-9));
  }
}

TEST_CASE("local optimisation lowers the score and brings a perturbed crystal pose back") {
  const LoadedComplex c = load_complex(complexes_dir() + "/1G9V_RQ3", "1G9V_RQ3");
  const VinaScore s = score_of(c);
  // Four perturbations of the crystal pose: 1 Å translation and 0.15 rad rotation each, in different directions.
  const std::vector<std::vector<Vec3>> poses = perturbed_poses(c.graph.pos, 4, 0.15, 1.0, 5);
  RefineOptions o;
  o.mode = RefineMode::Local;
  o.cluster_rmsd = 0;  // keep all four
  const std::vector<RefinedPose> before = score_poses(s, poses);
  RefineStats stats;
  const std::vector<RefinedPose> after = refine_poses(s, c.graph.torsions, {}, poses, o, at::detail::getDefaultCPUGenerator(), &stats);
  REQUIRE(after.size() == poses.size());
  for (const RefinedPose& p : after) {
    const double start = before[size_t(p.origin)].energy();
    const double moved = rmsd(p.pos, c.graph.pos);
    MESSAGE("pose " << p.origin << ": " << start << " -> " << p.energy() << " kcal/mol, RMSD to crystal " << rmsd(poses[size_t(p.origin)], c.graph.pos)
                    << " -> " << moved << " A");
    CHECK(p.energy() < start);
    CHECK(moved < 1.0);
  }
  CHECK(stats.evaluations > 0);
}

TEST_CASE("BFGS reaches the minimum of a quadratic and of Rosenbrock's function") {
  // A badly scaled quadratic: minimum at (1, -2, 3), value 0.5.
  const EnergyAndGradient quadratic = [](const double* x, double* g) {
    const double c[3] = {1, -2, 3}, w[3] = {1, 10, 100};
    double e = 0.5;
    for (int i = 0; i < 3; ++i) {
      e += 0.5 * w[i] * (x[i] - c[i]) * (x[i] - c[i]);
      g[i] = w[i] * (x[i] - c[i]);
    }
    return e;
  };
  LocalOptions o;
  o.max_iterations = 200;
  o.gradient_tolerance = 1e-8;
  std::vector<double> x = {0, 0, 0};
  int64_t evaluations = 0;
  CHECK(minimise_bfgs(quadratic, x, o, &evaluations) == doctest::Approx(0.5).epsilon(1e-12));
  CHECK(x[0] == doctest::Approx(1).epsilon(1e-6));
  CHECK(x[1] == doctest::Approx(-2).epsilon(1e-6));
  CHECK(x[2] == doctest::Approx(3).epsilon(1e-6));
  CHECK(evaluations > 1);
  const EnergyAndGradient rosenbrock = [](const double* x, double* g) {
    const double a = 1 - x[0], b = x[1] - x[0] * x[0];
    g[0] = -2 * a - 400 * x[0] * b;
    g[1] = 200 * b;
    return a * a + 100 * b * b;
  };
  std::vector<double> r = {-1.2, 1};
  o.max_iterations = 500;
  CHECK(minimise_bfgs(rosenbrock, r, o) < 1e-10);
  CHECK(r[0] == doctest::Approx(1).epsilon(1e-4));
  CHECK(r[1] == doctest::Approx(1).epsilon(1e-4));
}

TEST_CASE("refinement turns Vina's rotors only and puts the diffusion's other torsions back to the conformer's angles") {
  int64_t fixed_seen = 0;
  for (const std::string id : {"1G9V_RQ3", "1a0q", "1a2b", "6moa"}) {
    const LoadedComplex c = load_complex(complexes_dir() + "/" + id, id, id == "6moa" ? "_protein_processed.pdb" : "_protein.pdb");
    const VinaScore s = score_of(c);
    const VinaTorsions split = split_vina_torsions(c.graph.torsions, s.ligand());
    CAPTURE(id);
    CHECK(split.rotors.size() + split.fixed.size() == c.graph.torsions.size());
    for (const auto& b : split.rotors.bonds) {
      bool rotor = false;
      for (const auto& r : s.ligand().rotatable_bonds) rotor |= (r[0] == b[0] && r[1] == b[1]) || (r[0] == b[1] && r[1] == b[0]);
      CHECK(rotor);
    }
    fixed_seen += split.fixed.size();
    // Every torsion turned by 1 rad; then the fixed ones restored: they are the crystal's again, the rotors not.
    std::vector<Vec3> pose = c.graph.pos;
    apply_torsion_changes(pose, c.graph.torsions, std::vector<double>(size_t(c.graph.torsions.size()), 1.0));
    const std::vector<double> rotors_before = torsion_angles(pose, split.rotors);
    restore_fixed_torsions(pose, split.fixed, c.graph.pos);
    const std::vector<double> fixed_after = torsion_angles(pose, split.fixed), fixed_crystal = torsion_angles(c.graph.pos, split.fixed);
    for (size_t k = 0; k < fixed_after.size(); ++k) CHECK(std::remainder(fixed_after[k] - fixed_crystal[k], 2 * M_PI) == doctest::Approx(0).epsilon(1e-9));
    const std::vector<double> rotors_after = torsion_angles(pose, split.rotors);
    for (size_t k = 0; k < rotors_after.size(); ++k) CHECK(std::remainder(rotors_after[k] - rotors_before[k], 2 * M_PI) == doctest::Approx(0).epsilon(1e-9));
  }
  CHECK(fixed_seen > 0);  // the fixtures have amide or double-bond torsions that Vina keeps rigid
}

TEST_CASE("the CPU refinement and the batched tensor refinement both bring perturbed crystal poses back") {
  // Two optimisers (dense BFGS per pose, batched L-BFGS) need not stop at the same point of a flat minimum: both
  // must lower every pose and end near the crystal, and on average at the same depth.
  const LoadedComplex c = load_complex(complexes_dir() + "/1G9V_RQ3", "1G9V_RQ3");
  const VinaScore s = score_of(c);
  const std::vector<std::vector<Vec3>> poses = perturbed_poses(c.graph.pos, 4, 0.1, 0.5, 11);
  const std::vector<RefinedPose> start = score_poses(s, poses);
  RefineOptions o;
  o.mode = RefineMode::Local;
  o.cluster_rmsd = 0;
  const std::vector<RefinedPose> cpu = refine_poses(s, c.graph.torsions, {}, poses, o, at::detail::getDefaultCPUGenerator());
  o.on_tensors = true;
  const std::vector<RefinedPose> tensors = refine_poses(s, c.graph.torsions, {}, poses, o, at::detail::getDefaultCPUGenerator());
  REQUIRE(cpu.size() == poses.size());
  REQUIRE(tensors.size() == poses.size());
  double mean_cpu = 0, mean_tensors = 0;
  for (size_t i = 0; i < poses.size(); ++i) {
    const RefinedPose &p = cpu[i], &q = tensors[i];
    MESSAGE("pose " << p.origin << ": cpu " << p.energy() << " kcal/mol, " << rmsd(p.pos, c.graph.pos) << " A; pose " << q.origin
                    << ": tensors " << q.energy() << " kcal/mol, " << rmsd(q.pos, c.graph.pos) << " A");
    CHECK(p.energy() < start[size_t(p.origin)].energy() - 1);
    CHECK(q.energy() < start[size_t(q.origin)].energy() - 1);
    CHECK(rmsd(p.pos, c.graph.pos) < 1.2);
    CHECK(rmsd(q.pos, c.graph.pos) < 1.2);
    mean_cpu += p.energy() / double(poses.size());
    mean_tensors += q.energy() / double(poses.size());
  }
  CHECK(std::abs(mean_cpu - mean_tensors) < 0.5);
}

TEST_CASE("clustering counts every pose found once, and a population weight ranks the most populous cluster first") {
  const LoadedComplex c = load_complex(complexes_dir() + "/1G9V_RQ3", "1G9V_RQ3");
  const VinaScore s = score_of(c);
  // Six poses near the crystal (one basin) and two far away, each optimised locally.
  std::mt19937_64 rng(23);
  std::vector<std::vector<Vec3>> poses;
  for (int i = 0; i < 8; ++i) {
    std::vector<Vec3> pos = c.graph.pos;
    apply_rigid(pos, axis_angle_matrix(random_unit(rng), i < 6 ? 0.05 : 2.5), random_unit(rng) * (i < 6 ? 0.3 : 4.0));
    poses.push_back(pos);
  }
  RefineOptions o;
  o.mode = RefineMode::Local;
  RefineStats stats;
  const std::vector<RefinedPose> by_energy = refine_poses(s, c.graph.torsions, {}, poses, o, at::detail::getDefaultCPUGenerator(), &stats);
  int64_t total = 0, largest = 0;
  for (const RefinedPose& p : by_energy) {
    total += p.cluster_size;
    largest = std::max(largest, p.cluster_size);
  }
  CHECK(total == stats.poses_found);
  CHECK(largest >= 3);
  for (size_t i = 1; i < by_energy.size(); ++i) CHECK(by_energy[i - 1].energy() <= by_energy[i].energy());
  o.population_weight = 100;  // the population decides
  const std::vector<RefinedPose> by_population = refine_poses(s, c.graph.torsions, {}, poses, o, at::detail::getDefaultCPUGenerator());
  REQUIRE(by_population.size() == by_energy.size());
  CHECK(by_population.front().cluster_size == largest);
  for (size_t i = 1; i < by_population.size(); ++i)
    CHECK(by_population[i - 1].ranking_energy(100) <= by_population[i].ranking_energy(100));
}

TEST_CASE("Monte-Carlo search from random placements goes at least as deep as the crystal pose's minimum, the same on every run") {
  const LoadedComplex c = load_complex(complexes_dir() + "/1G9V_RQ3", "1G9V_RQ3");
  const VinaScore s = score_of(c);
  // Eight placements: random torsions and orientation, the centroid up to 3 Å from the crystal's.
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  std::vector<std::vector<Vec3>> poses;
  for (int i = 0; i < 8; ++i) {
    std::vector<Vec3> pos = c.graph.pos;
    std::vector<double> change;
    for (int64_t k = 0; k < c.graph.torsions.size(); ++k) change.push_back(angle(rng));
    apply_torsion_changes(pos, c.graph.torsions, change);
    apply_rigid(pos, axis_angle_matrix(random_unit(rng), angle(rng)), random_unit(rng) * 3.0);
    poses.push_back(pos);
  }
  RefineOptions o;
  o.chains = 8;
  o.search.steps = 150;
  auto run = [&] {
    auto gen = at::detail::createCPUGenerator(17);
    RefineStats stats;
    auto out = refine_poses(s, c.graph.torsions, c.graph.pos, poses, o, gen, &stats);
    return std::make_pair(out, stats);
  };
  const auto [first, stats] = run();
  const auto [second, unused] = run();
  REQUIRE(!first.empty());
  // The crystal pose's own local minimum: a search that cannot reach its depth from random starts is too weak. (For
  // 1G9V the score's lowest minimum lies elsewhere, about 5 Å away: Vina's top pose misses the crystal too.)
  RefineOptions local = o;
  local.mode = RefineMode::Local;
  const double crystal = refine_poses(s, c.graph.torsions, {}, {c.graph.pos}, local, at::detail::getDefaultCPUGenerator()).front().energy();
  MESSAGE("search's top-1 " << first.front().energy() << " kcal/mol, " << rmsd(first.front().pos, c.graph.pos)
                            << " A from the crystal; the crystal's minimum " << crystal << " kcal/mol; " << stats.evaluations
                            << " evaluations, " << stats.poses_found << " poses found");
  CHECK(first.front().energy() <= crystal + 0.1);
  CHECK(stats.poses_found > 8);
  REQUIRE(second.size() == first.size());
  for (size_t i = 0; i < first.size(); ++i) CHECK(second[i].energy() == first[i].energy());
}

TEST_CASE("the score matches `vina --score_only` on 20 Astex complexes, crystal and perturbed poses") {
  const std::string shared = shared_data();
  if (shared.empty()) {
    MESSAGE("SKIP: ../shared/data/astex is absent");
    return;
  }
  if (!have_command("vina") || !have_command("obabel")) {
    MESSAGE("SKIP: vina or obabel not found (scripts/install_deps.sh autodock-vina)");
    return;
  }
  // Tolerance: |disco - vina| <= 0.05 kcal/mol + 2 % of |vina| for the intermolecular energy and the affinity.
  // Vina interpolates its own grid maps (0.375 Å) while disco scores exactly here, which accounts for the rest.
  std::vector<std::string> ids;
  for (const auto& e : fs::directory_iterator(shared + "/astex")) ids.push_back(e.path().filename().string());
  std::sort(ids.begin(), ids.end());
  ids.resize(std::min<size_t>(ids.size(), 20));
  TempDir tmp;
  std::mt19937_64 rng(11);
  int compared = 0;
  std::vector<double> differences;
  for (const std::string& id : ids) {
    const LoadedComplex c = load_complex(shared + "/astex/" + id, id);
    const VinaScore s = score_of(c);
    const std::string receptor = tmp.file(id + "_rec.pdbqt");
    REQUIRE(std::system(("obabel '" + c.protein + "' -xr -p 7.4 -O '" + receptor + "' > /dev/null 2>&1").c_str()) == 0);
    for (int variant = 0; variant < 2; ++variant) {
      std::vector<Vec3> pos = c.graph.pos;
      if (variant == 1) {  // a perturbed pose: every torsion by 0.3 rad, 0.2 rad and 0.8 Å
        apply_torsion_changes(pos, c.graph.torsions, std::vector<double>(size_t(c.graph.torsions.size()), 0.3));
        apply_rigid(pos, axis_angle_matrix(random_unit(rng), 0.2), random_unit(rng) * 0.8);
      }
      const std::string sdf = tmp.file(id + "_" + std::to_string(variant) + ".sdf");
      write_file(sdf, mol_block(*c.ligand.mol, pos) + "$$$$\n");
      const std::string lig = tmp.file(id + "_" + std::to_string(variant) + ".pdbqt");
      REQUIRE(std::system(("obabel '" + sdf + "' -p 7.4 -O '" + lig + "' > /dev/null 2>&1").c_str()) == 0);
      double vina_inter = 0, vina_affinity = 0;
      REQUIRE_MESSAGE(vina_score_only(receptor, lig, tmp.file("vina.log"), vina_inter, vina_affinity), id);
      const double inter = s.intermolecular_exact(pos);
      const double affinity = s.affinity(inter);
      const double tol_inter = 0.05 + 0.02 * std::abs(vina_inter), tol_aff = 0.05 + 0.02 * std::abs(vina_affinity);
      differences.push_back(std::abs(affinity - vina_affinity));
      INFO(id << std::string(variant ? " perturbed" : " crystal") << ": disco " << inter << " / " << affinity << ", vina " << vina_inter
              << " / " << vina_affinity);
      CHECK(std::abs(inter - vina_inter) <= tol_inter);
      CHECK(std::abs(affinity - vina_affinity) <= tol_aff);
      ++compared;
    }
  }
  std::sort(differences.begin(), differences.end());
  MESSAGE(compared << " poses of " << ids.size() << " complexes compared with vina --score_only; affinity difference median "
                   << differences[differences.size() / 2] << ", largest " << differences.back() << " kcal/mol");
  CHECK(compared == 2 * int(ids.size()));
}
