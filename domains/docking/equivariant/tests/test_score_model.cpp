// The score network: SE(3) equivariance of every output (float32 and float64), parity, latent conditioning,
// gradients; and (skipped by default) the forward time of the DiffDock-S-sized network.
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/utils.h>
// torch before doctest (glog's CHECK clobbers doctest's)
#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "disco/host/allocator.h"
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

TEST_CASE("score model: pose_scores gives the same scores and gradients from the last layer's ligand edges only") {
  at::manual_seed(7);
  at::Generator gen = at::detail::createCPUGenerator(7);
  ScoreModel model(small_options(6));
  model->to(at::kDouble);
  const JointGraph g = random_graph(gen, 3, 12, 30, 6, at::kDouble);
  const int64_t into_ligand = g.is_ligand.index_select(0, g.edge_index[1]).sum().item<int64_t>();
  MESSAGE("edges " << g.edge_index.size(1) << ", into ligand atoms " << into_ligand);
  REQUIRE(into_ligand < g.edge_index.size(1) / 2);  // the saving the option exists for
  auto loss_and_grads = [&](ScoreOutputsWanted wanted) {
    model->zero_grad();
    const ScoreOutputs out = model->forward(g, wanted);
    const at::Tensor loss = out.translation.pow(2).sum() + out.rotation.sin().sum() + out.torsion.pow(3).sum();
    loss.backward();
    std::vector<at::Tensor> grads;
    for (const auto& p : model->parameters()) grads.push_back(p.grad().defined() ? p.grad().clone() : at::zeros_like(p));
    return std::make_pair(out, grads);
  };
  const auto [all, all_grads] = loss_and_grads(ScoreOutputsWanted::all);
  const auto [pose, pose_grads] = loss_and_grads(ScoreOutputsWanted::pose_scores);
  CHECK(max_abs_diff(pose.translation, all.translation) < 1e-12);
  CHECK(max_abs_diff(pose.rotation, all.rotation) < 1e-12);
  CHECK(max_abs_diff(pose.torsion, all.torsion) < 1e-12);
  CHECK(all.translation.abs().max().item<double>() > 1e-3);
  CHECK_FALSE(pose.latent_logits.defined());
  CHECK_FALSE(pose.node_features.defined());
  double grad_diff = 0, grad_scale = 0;
  for (size_t i = 0; i < all_grads.size(); ++i) {
    grad_diff = std::max(grad_diff, max_abs_diff(pose_grads[i], all_grads[i]));
    grad_scale = std::max(grad_scale, all_grads[i].abs().max().item<double>());
  }
  CHECK(grad_scale > 1e-3);
  CHECK(grad_diff < 1e-10 * grad_scale);
  // Inference (no autograd) runs the convolutions in chunks of edges: the same scores there too, in float32.
  torch::NoGradGuard no_grad;
  model->to(at::kFloat);
  JointGraph gf = g;
  gf.positions = g.positions.to(at::kFloat);
  gf.node_features = g.node_features.to(at::kFloat);
  gf.noise_level = g.noise_level.to(at::kFloat);
  const ScoreOutputs a = model->forward(gf), b = model->forward(gf, ScoreOutputsWanted::pose_scores);
  CHECK(max_abs_diff(b.translation, a.translation) < 1e-5 * (1.0 + a.translation.abs().max().item<double>()));
  CHECK(max_abs_diff(b.torsion, a.torsion) < 1e-5 * (1.0 + a.torsion.abs().max().item<double>()));
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

TEST_CASE("score model: equivariant in other configurations (encoder size; l <= 2 harmonics; edge features)") {
  for (int config = 0; config < 2; ++config) {
    at::manual_seed(6);
    at::Generator gen = at::detail::createCPUGenerator(6);
    ScoreModelOptions o = small_options(6);
    if (config == 0) {  // the DisCo encoder of App. E: 3 layers, 24 scalars, 4 vectors
      o.hidden_irreps = "24x0e + 24x0o + 4x1o + 4x1e";
      o.num_layers = 3;
    } else {  // l = 2 harmonics and hidden irreps, and edge features
      o.sh_lmax = 2;
      o.hidden_irreps = "8x0e + 8x0o + 3x1o + 3x1e + 2x2e + 2x2o";
      o.edge_feature_dim = 4;
    }
    ScoreModel model(o);
    model->to(at::kDouble);
    JointGraph g = random_graph(gen, 2, 10, 20, 6, at::kDouble);
    if (o.edge_feature_dim > 0) g.edge_features = at::randn({g.edge_index.size(1), 4}, gen, at::kDouble);
    const Errors e = equivariance_errors(model, g, random_rotation(gen), at::tensor({1.0, 2.0, -3.0}, at::kDouble));
    const Errors r = equivariance_errors(model, g, random_reflection(gen), at::zeros({3}, at::kDouble));
    MESSAGE("config " << config << " (" << o.hidden_irreps << ", sh l <= " << o.sh_lmax << "): rotation errors "
                      << e.vectors << " / " << e.scalars << ", reflection " << r.vectors << " / " << r.scalars);
    CHECK(e.torsion_scale > 1e-3);
    CHECK(std::max({e.vectors, e.scalars, r.vectors, r.scalars}) < 1e-10);
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

// A joint graph shaped like a real complex: `residues` residues filling a ball at the protein's density
// (~130 Å^3 per residue), a ligand of `atoms` atoms in a 4 Å blob at its centre; edges as DiffDock builds
// them: ligand-ligand within 5 Å, residue-residue within 15 Å capped at the 24 nearest, cross within 12 Å.
JointGraph complex_like_graph(at::Generator& gen, int64_t atoms, int64_t residues, int64_t feature_dim) {
  const auto f = at::TensorOptions().dtype(at::kFloat);
  const auto i64 = at::TensorOptions().dtype(at::kLong);
  const double radius = std::cbrt(residues * 130.0 * 3.0 / (4.0 * M_PI));
  at::Tensor dir = at::randn({residues, 3}, gen, f);
  dir = dir / dir.norm(2, 1, true);
  const at::Tensor rec = dir * (radius * at::rand({residues, 1}, gen, f).pow(1.0 / 3.0));
  const at::Tensor lig = at::randn({atoms, 3}, gen, f) * 2.0;
  JointGraph g;
  g.positions = at::cat({lig, rec});
  const int64_t N = atoms + residues;
  g.is_ligand = at::cat({at::ones({atoms}, i64), at::zeros({residues}, i64)}).to(at::kBool);
  g.node_graph = at::zeros({N}, i64);
  g.node_features = at::randn({N, feature_dim}, gen, f);
  const at::Tensor d = at::cdist(g.positions, g.positions) + at::eye(N, f) * 1e6;
  std::vector<at::Tensor> src, dst;
  auto add = [&](const at::Tensor& mask) {
    const at::Tensor nz = mask.nonzero();
    src.push_back(nz.select(1, 0));
    dst.push_back(nz.select(1, 1));
  };
  const at::Tensor dll = d.narrow(0, 0, atoms).narrow(1, 0, atoms);
  add(dll < 5.0);
  const at::Tensor drr = d.narrow(0, atoms, residues).narrow(1, atoms, residues);
  const at::Tensor kth = std::get<0>(drr.topk(24, 1, false)).select(1, 23).unsqueeze(1);
  const at::Tensor rr = ((drr < 15.0) & (drr <= kth)).nonzero() + atoms;
  src.push_back(rr.select(1, 0));
  dst.push_back(rr.select(1, 1));
  const at::Tensor lr = (d.narrow(0, 0, atoms).narrow(1, atoms, residues) < 12.0).nonzero();
  src.push_back(lr.select(1, 0));
  dst.push_back(lr.select(1, 1) + atoms);
  src.push_back(lr.select(1, 1) + atoms);
  dst.push_back(lr.select(1, 0));
  g.edge_index = at::stack({at::cat(src), at::cat(dst)});
  std::vector<int64_t> u, v;
  for (int64_t k = 0; k < 6; ++k) {
    u.push_back(3 * k);
    v.push_back(3 * k + 1);
  }
  g.rotatable_bonds = at::stack({at::tensor(u, i64), at::tensor(v, i64)});
  g.noise_level = at::full({1}, 0.5, f);
  g.latent_nodes = at::tensor(std::vector<int64_t>{3, atoms + 10}, i64).view({1, 2});
  return g;
}

TEST_CASE("score model forward time, DiffDock-S size, 40 ligand atoms + 300 residues" * doctest::skip()) {
  // Run with: OMP_NUM_THREADS=1 test_equivariant -tc='*forward time*' --no-skip   (DISCO_BENCH_THREADS=2 for 2)
  disco::tune_heap_for_tensors();  // as the disco CLI does: freed tensor memory stays in-process
  const char* threads = std::getenv("DISCO_BENCH_THREADS");
  at::set_num_threads(threads ? std::atoi(threads) : 1);
  at::manual_seed(5);
  at::Generator gen = at::detail::createCPUGenerator(5);
  ScoreModelOptions o;
  o.node_feature_dim = 16;
  ScoreModel model(o);
  const JointGraph g = complex_like_graph(gen, 40, 300, 16);
  torch::NoGradGuard no_grad;
  model->forward(g);  // warm-up
  const int reps = 5;
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  for (int i = 0; i < reps; ++i) model->forward(g);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
  // Process CPU time too: on a shared machine the wall time includes waiting for a core.
  const double cpu_ms = 1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC / reps;
  int64_t params = 0;
  for (const auto& p : model->parameters()) params += p.numel();
  MESSAGE("DiffDock-S forward: " << ms << " ms wall, " << cpu_ms << " ms CPU per graph (" << g.edge_index.size(1) << " edges, "
                                 << g.rotatable_bonds.size(1) << " torsions, " << params << " parameters, "
                                 << at::get_num_threads() << " thread(s))");
  CHECK(ms > 0);
}
