// The docking Dataset: complexes from a folder (the data layer's loader, with its cache and skip reasons) or
// the built-in synthetic set, turned into pocket examples (docking_example.h) once, then packed per batch.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "disco/domain.h"
#include "docking_example.h"
#include "docking_settings.h"

namespace disco::docking {

class DockingDataset : public Dataset {
 public:
  DockingDataset(std::vector<DockingExample> examples, PocketOptions pocket)
      : examples_(std::move(examples)), pocket_(pocket) {}
  int64_t size() const override { return int64_t(examples_.size()); }
  Batch get(const at::Tensor& indices) const override;
  const std::vector<DockingExample>& examples() const { return examples_; }
  const PocketOptions& pocket() const { return pocket_; }

 private:
  std::vector<DockingExample> examples_;
  PocketOptions pocket_;
};

// split: "train" (pocket centre jittered) or "test" (the crystal ligand's centroid: the known pocket).
// Skipped complexes are reported through `reporter` (one summary line, and each reason as a warning).
std::unique_ptr<DockingDataset> load_docking_dataset(const DockingSettings& settings, const std::string& split,
                                                     const Reporter& reporter);

}  // namespace disco::docking
