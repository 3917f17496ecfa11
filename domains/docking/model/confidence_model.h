// The confidence model of DisCo-DiffDock (the role of DiffDock's confidence model, written from its
// description): a separate, smaller SE(3)-equivariant network over the joint graph of a *docked* pose that
// predicts whether the pose lies within 2 Å (symmetry-corrected RMSD) of the crystal pose. Its readout is
// invariant: the mean of the final even scalars over the ligand atoms and over the pocket residues, then an MLP
// to one logit. `disco confidence` trains it on the score model's own samples and writes RUN/confidence.pt;
// `disco dock` and `disco eval` then rank the poses by it and write its probability to the SDF.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>

#include <optional>
#include <string>
#include <vector>

#include "disco/batch.h"
#include "docking_example.h"
#include "docking_settings.h"
#include "pose_sampler.h"

namespace disco::docking {

class ConfidenceModelImpl : public torch::nn::Module {
 public:
  ConfidenceModelImpl(const equivariant::ScoreModelOptions& network, const EdgeRadii& radii);
  // Logits (B,) of P(RMSD < 2 Å) of the poses in the batch's "lig_pos" (padded layout, docking_example.h).
  at::Tensor forward(const Batch& poses);

 private:
  equivariant::ScoreModel net_{nullptr};
  torch::nn::Sequential head_{nullptr};
  EdgeRadii radii_;
};
TORCH_MODULE(ConfidenceModel);

// The kind recorded in the weights file (checkpoint.h: save_module_file).
inline constexpr const char* kConfidenceKind = "docking-confidence";

// RUN/confidence.pt
std::string confidence_model_path(const std::string& run_dir);

// The run's confidence model, built from its settings, when RUN/confidence.pt exists; nullopt otherwise.
// A file that does not match the run's confidence.* settings is a DataError.
std::optional<ConfidenceModel> load_confidence_model(const std::string& run_dir, const DockingSettings& settings,
                                                     c10::Device device);

// One batch row per (example, pose): the example packed as usual with "lig_pos" replaced by the pose (in the
// example's atom order).
Batch pack_posed(const std::vector<const DockingExample*>& examples, const std::vector<const std::vector<Vec3>*>& poses,
                 const PocketOptions& pocket);

// Probabilities that each pose is within 2 Å, in chunks of `chunk` poses.
std::vector<double> pose_confidences(ConfidenceModel& model, const DockingExample& example,
                                     const std::vector<const std::vector<Vec3>*>& poses, const DockingSettings& settings,
                                     int64_t chunk = 64);

// Sets each pose's confidence; with settings.rank_by_confidence (dock.ranking = "confidence", the default) also
// sorts the poses by it, most confident first (stable); otherwise they keep their order (dock_poses': model score).
void apply_confidence_model(ConfidenceModel& model, const DockingExample& example, std::vector<DockedPose>& poses,
                            const DockingSettings& settings);

}  // namespace disco::docking
