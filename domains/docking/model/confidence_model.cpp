#include "confidence_model.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

#include <algorithm>
#include <filesystem>

#include "disco/host/checkpoint.h"
#include "disco/error.h"
#include "equivariant/tensor_product_conv.h"
#include "joint_graph.h"

namespace fs = std::filesystem;

namespace disco::docking {

ConfidenceModelImpl::ConfidenceModelImpl(const equivariant::ScoreModelOptions& network, const EdgeRadii& radii)
    : radii_(radii) {
  equivariant::ScoreModelOptions o = network;
  o.num_latents = 0;
  net_ = register_module("net", equivariant::ScoreModel(o));
  const int64_t ns = net_->hidden_irreps().count(equivariant::Irrep{0, 1});
  head_ = register_module("head", torch::nn::Sequential(torch::nn::Linear(2 * ns, 2 * ns), torch::nn::SiLU(),
                                                        torch::nn::Linear(2 * ns, 1)));
}

at::Tensor ConfidenceModelImpl::forward(const Batch& poses) {
  const at::Tensor pos = poses.at("lig_pos");
  const int64_t B = pos.size(0);
  const FlatJointGraph g = flatten_joint_graph(poses, pos, at::zeros({B}, pos.options()), radii_);
  const equivariant::ScoreOutputs out = net_->forward(g.graph);
  const at::Tensor scalars = equivariant::even_scalars(out.node_features, net_->hidden_irreps());  // (N, ns)
  const at::Tensor lig = g.graph.is_ligand.to(scalars.options()).unsqueeze(1);
  auto mean_over = [&](const at::Tensor& weight) {
    const at::Tensor sum = at::zeros({B, scalars.size(1)}, scalars.options()).index_add_(0, g.graph.node_graph, scalars * weight);
    const at::Tensor count = at::zeros({B}, scalars.options()).index_add_(0, g.graph.node_graph, weight.squeeze(1));
    return sum / count.clamp_min(1.0).unsqueeze(1);
  };
  return head_->forward(at::cat({mean_over(lig), mean_over(1.0 - lig)}, 1)).squeeze(1);
}

std::string confidence_model_path(const std::string& run_dir) { return run_dir + "/confidence.pt"; }

std::optional<ConfidenceModel> load_confidence_model(const std::string& run_dir, const DockingSettings& settings,
                                                     c10::Device device) {
  const std::string path = confidence_model_path(run_dir);
  if (!fs::exists(path)) return std::nullopt;
  ConfidenceModel model(settings.confidence, settings.radii);
  try {
    load_module_file(path, kConfidenceKind, *model);
  } catch (const DataError& e) {
    throw DataError(std::string(e.what()) + "; retrain it with `disco confidence --model " + run_dir + "`, or delete it");
  }
  model->to(device);
  model->eval();
  return model;
}

Batch pack_posed(const std::vector<const DockingExample*>& examples, const std::vector<const std::vector<Vec3>*>& poses,
                 const PocketOptions& pocket) {
  if (examples.size() != poses.size()) throw RuntimeError("pack_posed: one pose per example");
  Batch b = pack_examples(examples, pocket, std::vector<int64_t>(examples.size(), 0));
  at::Tensor pos = at::zeros_like(b.at("lig_pos"));
  auto acc = pos.accessor<float, 3>();
  for (size_t i = 0; i < poses.size(); ++i) {
    if (int64_t(poses[i]->size()) != examples[i]->num_atoms())
      throw DataError(examples[i]->id + ": a pose has " + std::to_string(poses[i]->size()) + " atoms, the ligand " +
                      std::to_string(examples[i]->num_atoms()));
    for (size_t a = 0; a < poses[i]->size(); ++a) {
      const Vec3& v = (*poses[i])[a];
      acc[int64_t(i)][int64_t(a)][0] = float(v.x);
      acc[int64_t(i)][int64_t(a)][1] = float(v.y);
      acc[int64_t(i)][int64_t(a)][2] = float(v.z);
    }
  }
  return b.with("lig_pos", pos);
}

std::vector<double> pose_confidences(ConfidenceModel& model, const DockingExample& example,
                                     const std::vector<const std::vector<Vec3>*>& poses, const DockingSettings& settings,
                                     int64_t chunk) {
  torch::NoGradGuard no_grad;
  const auto device = device_of(*model);
  std::vector<double> out;
  for (size_t start = 0; start < poses.size(); start += size_t(chunk)) {
    const size_t end = std::min(poses.size(), start + size_t(chunk));
    const std::vector<const std::vector<Vec3>*> part(poses.begin() + long(start), poses.begin() + long(end));
    const Batch b = pack_posed(std::vector<const DockingExample*>(part.size(), &example), part, settings.pocket);
    const at::Tensor p = at::sigmoid(model->forward(b.to(device))).to(at::kCPU, at::kDouble).contiguous();
    out.insert(out.end(), p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
  }
  return out;
}

void apply_confidence_model(ConfidenceModel& model, const DockingExample& example, std::vector<DockedPose>& poses,
                            const DockingSettings& settings) {
  std::vector<const std::vector<Vec3>*> ptrs;
  for (const auto& p : poses) ptrs.push_back(&p.pos);
  const std::vector<double> conf = pose_confidences(model, example, ptrs, settings);
  for (size_t i = 0; i < poses.size(); ++i) poses[i].confidence = conf[i];
  if (!settings.rank_by_confidence) return;
  std::stable_sort(poses.begin(), poses.end(),
                   [](const DockedPose& a, const DockedPose& b) { return *a.confidence > *b.confidence; });
}

}  // namespace disco::docking
