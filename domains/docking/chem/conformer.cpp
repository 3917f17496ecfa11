#include "conformer.h"

#include <GraphMol/DistGeomHelpers/Embedder.h>
#include <GraphMol/ForceFieldHelpers/MMFF/MMFF.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>

#include <cmath>
#include <random>

#include "chem_logs.h"
#include "disco/error.h"

namespace disco::docking {

namespace {

bool embed(RDKit::RWMol& mol, RDKit::DGeomHelpers::EmbedParameters params) {
  try {
    return RDKit::DGeomHelpers::EmbedMolecule(mol, params) >= 0;
  } catch (const std::exception&) {
    return false;
  }
}

double aligned_rmsd(const std::vector<Vec3>& pos, const std::vector<Vec3>& target) { return kabsch(pos, target).rmsd; }

// Coordinate descent over the torsions of `pos` (changed in place); returns the final aligned RMSD and
// accumulates the applied changes in `changes`.
double descend(std::vector<Vec3>& pos, const std::vector<Vec3>& target, const TorsionSet& torsions, int max_sweeps,
               std::vector<double>& changes) {
  const int64_t t = torsions.size();
  double best = aligned_rmsd(pos, target);
  std::vector<double> delta(size_t(t), 0.0);
  auto try_angle = [&](int64_t i, double angle) {
    std::vector<Vec3> trial = pos;
    delta.assign(size_t(t), 0.0);
    delta[size_t(i)] = angle;
    apply_torsion_changes(trial, torsions, delta);
    return aligned_rmsd(trial, target);
  };
  for (int sweep = 0; sweep < max_sweeps; ++sweep) {
    const double at_start = best;
    for (int64_t i = 0; i < t; ++i) {
      double best_angle = 0, best_value = best;
      for (int k = 1; k < 36; ++k) {
        const double angle = k * M_PI / 18;
        const double v = try_angle(i, angle);
        if (v < best_value) best_value = v, best_angle = angle;
      }
      // Golden-section search in [best - 10 deg, best + 10 deg].
      const double g = (std::sqrt(5.0) - 1) / 2;
      double a = best_angle - M_PI / 18, b = best_angle + M_PI / 18;
      double c = b - g * (b - a), d = a + g * (b - a);
      double fc = try_angle(i, c), fd = try_angle(i, d);
      for (int it = 0; it < 30 && b - a > 1e-5; ++it) {
        if (fc < fd) {
          b = d, d = c, fd = fc;
          c = b - g * (b - a);
          fc = try_angle(i, c);
        } else {
          a = c, c = d, fc = fd;
          d = a + g * (b - a);
          fd = try_angle(i, d);
        }
      }
      if (fc < best_value) best_value = fc, best_angle = c;
      if (fd < best_value) best_value = fd, best_angle = d;
      if (best_value < best - 1e-9) {
        delta.assign(size_t(t), 0.0);
        delta[size_t(i)] = best_angle;
        apply_torsion_changes(pos, torsions, delta);
        changes[size_t(i)] += best_angle;
        best = best_value;
      }
    }
    if (at_start - best < 1e-6) break;
  }
  return best;
}

}  // namespace

Conformer generate_conformer(const RDKit::ROMol& mol, const std::string& name, const ConformerOptions& options) {
  ChemLogCapture logs;  // RDKit reports embedding trouble on stderr; the outcome is reported here instead
  const unsigned n = mol.getNumAtoms();
  RDKit::RWMol with_h(mol);
  RDKit::MolOps::addHs(with_h);  // appended after the heavy atoms, so heavy-atom indices stay the same
  RDKit::DGeomHelpers::EmbedParameters params = RDKit::DGeomHelpers::ETKDGv3;
  params.randomSeed = int(options.seed & 0x7fffffff);
  Conformer out;
  if (embed(with_h, params)) {
    out.method = "etkdg";
  } else {
    params.useRandomCoords = true;
    if (options.random_coords_attempts) params.maxIterations = options.random_coords_attempts;
    if (embed(with_h, params)) {
      out.method = "etkdg-random-coords";
      out.warning = name + ": ETKDG embedding failed; the retry from random coordinates succeeded";
    }
  }
  if (!out.method.empty()) {
    if (options.mmff) {
      try {
        RDKit::MMFF::MMFFOptimizeMolecule(with_h, 1000);
      } catch (const std::exception&) {
        // no MMFF parameters for some atom: keep the ETKDG geometry
      }
    }
    const auto& conf = with_h.getConformer();
    for (unsigned i = 0; i < n; ++i) {
      const auto& p = conf.getAtomPos(i);
      out.pos.push_back({p.x, p.y, p.z});
    }
    return out;
  }
  if (mol.getNumConformers() == 0 || !mol.getConformer().is3D())
    throw DataError(name + ": conformer generation failed (ETKDG, and again from random coordinates), and the input "
                    "has no 3-D coordinates to fall back on");
  for (const auto& p : mol.getConformer().getPositions()) out.pos.push_back({p.x, p.y, p.z});
  out.method = "input";
  out.warning = name + ": conformer generation failed (ETKDG, and again from random coordinates); using the input "
                "conformer";
  return out;
}

MatchResult match_conformer(const std::vector<Vec3>& conformer, const std::vector<Vec3>& crystal,
                            const TorsionSet& torsions, const MatchOptions& options) {
  if (conformer.size() != crystal.size() || int64_t(conformer.size()) != torsions.num_atoms)
    throw std::invalid_argument("match_conformer: conformer, crystal pose and torsions differ in atom count");
  MatchResult result;
  result.rmsd_before = aligned_rmsd(conformer, crystal);
  const size_t t = size_t(torsions.size());
  std::mt19937_64 rng(options.seed);
  std::uniform_real_distribution<double> uniform(-M_PI, M_PI);
  double best = INFINITY;
  for (int start = 0; start < 2 + options.restarts; ++start) {
    std::vector<Vec3> pos = conformer;
    std::vector<double> changes(t, 0.0);
    if (start == 1) {  // the crystal's dihedrals copied: exact when bond lengths and angles agree
      if (t == 0) break;
      const auto before = torsion_angles(pos, torsions);
      set_torsion_angles(pos, torsions, torsion_angles(crystal, torsions));
      const auto after = torsion_angles(pos, torsions);
      for (size_t i = 0; i < t; ++i) changes[i] = after[i] - before[i];
    } else if (start >= 2) {
      for (auto& c : changes) c = uniform(rng);
      apply_torsion_changes(pos, torsions, changes);
    }
    const double value = t ? descend(pos, crystal, torsions, options.max_sweeps, changes) : aligned_rmsd(pos, crystal);
    if (value < best) {
      best = value;
      result.pos = pos;
      result.torsion_changes = changes;
    }
    if (t == 0) break;
  }
  const RigidFit fit = kabsch(result.pos, crystal);
  for (auto& p : result.pos) p = fit.rotation * p + fit.translation;
  result.rmsd = fit.rmsd;
  return result;
}

}  // namespace disco::docking
