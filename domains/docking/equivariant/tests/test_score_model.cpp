// The score network: SE(3) equivariance of every output (float32 and float64), parity, latent conditioning,
// gradients; and (skipped by default) the forward time of the DiffDock-S-sized network.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/utils.h>
// torch before doctest (glog's CHECK clobbers doctest's)
#include <doctest/doctest.h>

#include <chrono>
#include <vector>

#include "equivariant/score_model.h"
#include "test_helpers.h"

using namespace disco::equivariant;
using disco::equivariant::testing::max_abs_diff;
using disco::equivariant::testing::random_reflection;
using disco::equivariant::testing::random_rotation;

namespace {

// B joint graphs, each with `ligand` atoms in a blob at the origin and `receptor` residues around it;
// radius edges in both directions (ligand 5 Å, receptor 15 Å, cross 12 Å), a chain of rotatable bonds.
JointGraph random_graph(at::Generator& gen, int64_t B, int64_t ligand, int64_t receptor, int64_t feature_dim,
                        at::ScalarType dtype) {
  const auto f = at::TensorOptions().dtype(dtype);
  const auto i64 = at::TensorOptions().dtype(at::kLong);
  std::vector<at::Tensor> pos, lig, graph;
  for (int64_t b = 0; b < B; ++b) {
    pos.push_back(at::randn({ligand, 3}, gen, f) * 1.8);
    pos.push_back(at::randn({receptor, 3}, gen, f) * 9.0);
    lig.push_back(at::cat({at::ones({ligand}, i64), at::zeros({receptor}, i64)}));
    graph.push_back(at::full({ligand + receptor}, b, i64));
  }
  JointGraph g;
  g.positions = at::cat(pos);
  g.is_ligand = at::cat(lig).to(at::kBool);
  g.node_graph = at::cat(graph);
  g.num_graphs = B;
  const int64_t N = g.positions.size(0);
  g.node_features = at::randn({N, feature_dim}, gen, f);
  const at::Tensor d = at::cdist(g.positions, g.positions);
  const at::Tensor li = g.is_ligand.unsqueeze(1), lj = g.is_ligand.unsqueeze(0);
  const at::Tensor radius = at::where(li & lj, at::full_like(d, 5.0),
                                      at::where(~li & ~lj, at::full_like(d, 15.0), at::full_like(d, 12.0)));
  const at::Tensor same = g.node_graph.unsqueeze(1) == g.node_graph.unsqueeze(0);
  const at::Tensor adj = (d < radius) & same & ~at::eye(N, at::TensorOptions().dtype(at::kBool));
  g.edge_index = adj.nonzero().t().contiguous();
  std::vector<int64_t> u, v;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t k = 0; k + 1 < std::min<int64_t>(ligand, 5); ++k) {
      u.push_back(b * (ligand + receptor) + k);
      v.push_back(b * (ligand + receptor) + k + 1);
    }
  g.rotatable_bonds = at::stack({at::tensor(u, i64), at::tensor(v, i64)});
  g.noise_level = at::rand({B}, gen, f);
  std::vector<int64_t> chosen;
  for (int64_t b = 0; b < B; ++b) {
    chosen.push_back(b * (ligand + receptor) + 2);                 // a ligand atom
    chosen.push_back(b == 0 ? -1 : b * (ligand + receptor) + ligand + 7);  // a residue, or dropped
  }
  g.latent_nodes = at::tensor(chosen, i64).view({B, 2});
  return g;
}

JointGraph transformed(JointGraph g, const at::Tensor& Q, const at::Tensor& shift) {
  g.positions = g.positions.matmul(Q.t()) + shift;
  return g;
}

ScoreModelOptions small_options(int64_t feature_dim) {
  ScoreModelOptions o;
  o.node_feature_dim = feature_dim;
  o.hidden_irreps = "8x0e + 8x0o + 3x1o + 3x1e";
  o.num_layers = 3;
  o.mlp_hidden = 16;
  o.noise_embedding_dim = 8;
  o.distance_embedding_dim = 8;
  return o;
}

struct Errors {
  double vectors = 0, scalars = 0, scale = 0, torsion_scale = 0;
};

Errors equivariance_errors(ScoreModel& model, const JointGraph& g, const at::Tensor& Q, const at::Tensor& shift) {
  torch::NoGradGuard no_grad;
  const ScoreOutputs a = model->forward(g);
  const ScoreOutputs b = model->forward(transformed(g, Q, shift));
  const double det = at::linalg_det(Q.to(at::kDouble)).item<double>();
  Errors e;
  e.vectors = std::max(max_abs_diff(b.translation, a.translation.matmul(Q.t())),
                       max_abs_diff(b.rotation, det * a.rotation.matmul(Q.t())));
  e.scalars = std::max({max_abs_diff(b.torsion, det * a.torsion), max_abs_diff(b.latent_logits, a.latent_logits),
                        max_abs_diff(b.node_features.narrow(1, 0, model->hidden_irreps()[0].mul),
                                     a.node_features.narrow(1, 0, model->hidden_irreps()[0].mul))});
  e.torsion_scale = a.torsion.abs().max().item<double>();
  e.scale = std::max({a.translation.abs().max().item<double>(), a.rotation.abs().max().item<double>(),
                      a.torsion.abs().max().item<double>(), a.latent_logits.abs().max().item<double>()});
  return e;
}

}  // namespace

TEST_CASE("score model: outputs have the documented shapes") {
  at::manual_seed(1);
  at::Generator gen = at::detail::createCPUGenerator(1);
  ScoreModel model(small_options(6));
  const JointGraph g = random_graph(gen, 2, 10, 25, 6, at::kFloat);
  const ScoreOutputs out = model->forward(g);
  CHECK(out.translation.sizes() == at::IntArrayRef({2, 3}));
  CHECK(out.rotation.sizes() == at::IntArrayRef({2, 3}));
  CHECK(out.torsion.sizes() == at::IntArrayRef({8}));
  CHECK(out.latent_logits.sizes() == at::IntArrayRef({70, 2}));
  CHECK(out.node_features.size(1) == model->hidden_irreps().dim());
  CHECK(at::isfinite(out.translation).all().item<bool>());
  CHECK(out.torsion.abs().sum().item<double>() > 0);
}

TEST_CASE("score model: rotating and translating the input rotates the vectors, keeps the scalars") {
  for (const auto dtype : {at::kFloat, at::kDouble}) {
    at::manual_seed(2);
    at::Generator gen = at::detail::createCPUGenerator(2);
    ScoreModel model(small_options(6));
    model->to(dtype);
    const JointGraph g = random_graph(gen, 2, 12, 30, 6, dtype);
    const at::Tensor R = random_rotation(gen, dtype);
    const at::Tensor shift = at::tensor({3.0, -7.5, 12.0}, at::TensorOptions().dtype(dtype));
    const Errors e = equivariance_errors(model, g, R, shift);
    MESSAGE((dtype == at::kFloat ? "float32" : "float64") << " rotation+translation: vector error " << e.vectors
                                                          << ", scalar error " << e.scalars
                                                          << " (largest output " << e.scale << ", largest torsion score "
                                                          << e.torsion_scale << ")");
    const double tol = dtype == at::kFloat ? 1e-4 : 1e-10;
    CHECK(e.scale > 1e-2);
    CHECK(e.torsion_scale > 1e-2);
    CHECK(e.vectors < tol);
    CHECK(e.scalars < tol);
  }
}

TEST_CASE("score model: a reflection flips the pseudovector and the torsion scores") {
  at::manual_seed(3);
  at::Generator gen = at::detail::createCPUGenerator(3);
  ScoreModel model(small_options(6));
  model->to(at::kDouble);
  const JointGraph g = random_graph(gen, 1, 12, 30, 6, at::kDouble);
  const at::Tensor Q = random_reflection(gen);
  const Errors e = equivariance_errors(model, g, Q, at::zeros({3}, at::TensorOptions().dtype(at::kDouble)));
  MESSAGE("float64 reflection: vector error " << e.vectors << ", scalar error " << e.scalars);
  CHECK(e.vectors < 1e-10);
  CHECK(e.scalars < 1e-10);
  // And the flip is real: the torsion scores are not all zero, so "unchanged" would have failed.
  torch::NoGradGuard no_grad;
  const ScoreOutputs a = model->forward(g), b = model->forward(transformed(g, Q, at::zeros({3}, at::kDouble)));
  CHECK(max_abs_diff(a.torsion, b.torsion) > 1e-4);
  CHECK(max_abs_diff(a.rotation.matmul(Q.t()), b.rotation) > 1e-4);
}

TEST_CASE("score model: the chosen latent nodes change the outputs; gradients reach every parameter group") {
  at::manual_seed(4);
  at::Generator gen = at::detail::createCPUGenerator(4);
  ScoreModel model(small_options(6));
  JointGraph g = random_graph(gen, 2, 10, 25, 6, at::kFloat);
  const ScoreOutputs a = model->forward(g);
  JointGraph g2 = g;
  g2.latent_nodes = g.latent_nodes.clone();
  g2.latent_nodes[1][0] = 35 + 5;  // another ligand atom of graph 1
  const ScoreOutputs b = model->forward(g2);
  CHECK(max_abs_diff(a.translation[1], b.translation[1]) > 1e-6);
  CHECK(max_abs_diff(a.translation[0], b.translation[0]) < 1e-6);  // graph 0 untouched
  const at::Tensor loss = a.translation.pow(2).sum() + a.rotation.pow(2).sum() + a.torsion.pow(2).sum() +
                          a.latent_logits.pow(2).sum();
  loss.backward();
  // Every parameter gets a gradient, except the norm scales of blocks that no path can reach yet (layer 0
  // sees only scalars, so its 0o and 1e outputs are zero, and 0o needs one more layer to appear).
  int64_t missing = 0;
  for (const auto& p : model->named_parameters()) {
    const bool has = p.value().grad().defined() && p.value().grad().abs().sum().item<double>() > 0;
    const bool unreachable = p.key() == "layer0.norm.gamma1" || p.key() == "layer0.norm.gamma3" ||
                             p.key() == "layer1.norm.gamma1";
    if (!has && !unreachable) {
      MESSAGE("no gradient: " << p.key());
      ++missing;
    }
  }
  CHECK(missing == 0);
}

TEST_CASE("score model forward time, DiffDock-S size, 40 ligand atoms + 300 residues" * doctest::skip()) {
  // Run with: test_equivariant -tc='*forward time*' --no-skip   (set OMP_NUM_THREADS / at::set_num_threads)
  at::set_num_threads(1);
  at::manual_seed(5);
  at::Generator gen = at::detail::createCPUGenerator(5);
  ScoreModelOptions o;
  o.node_feature_dim = 16;
  ScoreModel model(o);
  const JointGraph g = random_graph(gen, 1, 40, 300, 16, at::kFloat);
  torch::NoGradGuard no_grad;
  model->forward(g);  // warm-up
  const int reps = 5;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) model->forward(g);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
  int64_t params = 0;
  for (const auto& p : model->parameters()) params += p.numel();
  MESSAGE("DiffDock-S forward: " << ms << " ms per graph (" << g.edge_index.size(1) << " edges, "
                                 << g.rotatable_bonds.size(1) << " torsions, " << params << " parameters, 1 thread)");
  CHECK(ms > 0);
}
