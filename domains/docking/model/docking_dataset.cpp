#include "docking_dataset.h"

#include <ATen/ATen.h>

#include <cstdio>
#include <random>

#include "complex.h"
#include "conformer_targets.h"
#include "disco/error.h"
#include "synthetic_complexes.h"

namespace disco::docking {

Batch DockingDataset::get(const at::Tensor& indices) const {
  const at::Tensor idx = indices.to(at::kCPU, at::kLong).contiguous();
  std::vector<const DockingExample*> chosen;
  std::vector<int64_t> which;
  for (int64_t i = 0; i < idx.numel(); ++i) {
    const int64_t k = idx.data_ptr<int64_t>()[i];
    if (k < 0 || k >= size()) throw DataError("docking dataset: index " + std::to_string(k) + " out of range");
    chosen.push_back(&examples_[size_t(k)]);
    which.push_back(k);
  }
  return pack_examples(chosen, pocket_, which);
}

std::unique_ptr<DockingDataset> load_docking_dataset(const DockingSettings& s, const std::string& split,
                                                     const Reporter& reporter) {
  const bool train = split == "train";
  std::vector<DockingExample> examples;
  std::mt19937_64 rng(s.seed * 31 + (train ? 1 : 2));
  std::uniform_real_distribution<double> jitter(-s.pocket.pocket_jitter, s.pocket.pocket_jitter);
  int64_t too_big = 0, matched = 0, unmatched = 0;
  double rmsd_conformer = 0, rmsd_matched = 0;  // sums, for the mean in the log
  auto enough = [&] { return s.limit > 0 && int64_t(examples.size()) >= s.limit; };
  auto add = [&](const Complex& c) {
    if (enough()) return;
    // Pocket docking: around the ligand (jittered in training). Blind docking (pocket_radius = 0): the
    // protein's centre, as at docking time, where the ligand's place is unknown.
    Vec3 centre = s.pocket.pocket_radius > 0 ? centroid(c.ligand.pos) : centroid(c.receptor.ca);
    if (train && s.pocket.pocket_radius > 0) centre += Vec3(jitter(rng), jitter(rng), jitter(rng));
    try {
      const uint64_t seed = s.seed * 1000003 + examples.size() + (train ? 0 : 500000);
      if (!s.conformer_matching || c.ligand.num_atoms() > s.pocket.max_ligand_atoms) {  // the latter throws
        examples.push_back(make_example(c, centre, s.pocket, seed));
        return;
      }
      // Learn the matched conformer; dock the conformer itself (conformer_targets.h). RMSD: to the crystal.
      const LigandConformers lc = ligand_conformers(c, s.seed, s.cache_dir, reporter);
      Complex moved = c;
      moved.ligand.pos = train ? lc.matched : lc.conformer;
      DockingExample e = make_example(moved, centre, s.pocket, seed);
      e.reference_pos = c.ligand.pos;
      examples.push_back(std::move(e));
      ++matched;
      rmsd_conformer += lc.rmsd_conformer;
      rmsd_matched += lc.rmsd_matched;
    } catch (const DataError& e) {
      // The first few by name; the rest only in the count (a large set can have a hundred).
      if (++too_big <= 5) reporter.warn(std::string("skipping ") + e.what() + (too_big == 5 ? " (further ones only counted)" : ""));
    } catch (const std::exception& e) {  // RDKit inside conformer matching: one ligand, not the whole set
      ++unmatched;
      reporter.warn("skipping " + c.id + ": conformer matching failed: " + e.what());
    }
  };
  if (s.root.empty()) {
    for (const Complex& c : synthetic_complexes(s.synthetic_count, train ? 1 : 2)) add(c);
  } else {
    const std::string root = !train && !s.test_root.empty() ? s.test_root : s.root;
    DatasetOptions o;
    o.split_file = train ? s.train_split : s.test_split;
    o.cache_dir = s.cache_dir;
    o.enough = enough;
    const LoadSummary summary = load_dataset(root, o, reporter, add, [&](const SkippedComplex& k) {
      reporter.warn("skipping " + k.id + " (" + k.reason + "): " + k.message);
    });
    reporter.info(split + " complexes from " + root + ": " + summary.text() +
                  (too_big ? "; " + std::to_string(too_big) + " more outside the model's limits" : "") +
                  (unmatched ? "; " + std::to_string(unmatched) + " more whose conformer matching failed" : ""));
  }
  if (matched > 0) {
    char line[200];
    std::snprintf(line, sizeof line,
                  "%s: conformer matching on %lld ligands: mean RMSD to the crystal pose %.3f A superposed, %.3f A matched",
                  split.c_str(), static_cast<long long>(matched), rmsd_conformer / double(matched), rmsd_matched / double(matched));
    reporter.info(line);
  }
  if (examples.empty())
    throw DataError("docking: no usable " + split + " complex" +
                    (s.root.empty() ? std::string() : " under " + (!train && !s.test_root.empty() ? s.test_root : s.root)));
  return std::make_unique<DockingDataset>(std::move(examples), s.pocket);
}

}  // namespace disco::docking
