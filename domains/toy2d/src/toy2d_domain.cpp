// The toy2d Domain: DisCo-Diff on 2-D point clouds (paper Sec. 3, App. F).
#include "toy2d_domain.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "csv_points.h"
#include "datasets.h"
#include "disco/atomic_file.h"
#include "disco/error.h"
#include "disco/generate.h"
#include "disco/model.h"
#include "disco/plot.h"
#include "disco_plugin_schema.h"
#include "kmeans.h"
#include "metrics.h"
#include "networks.h"
#include "trajectory_metrics.h"

namespace fs = std::filesystem;

namespace disco::toy2d {
namespace {

class PointDataset : public Dataset {
 public:
  explicit PointDataset(at::Tensor points) : points_(std::move(points)) {}
  int64_t size() const override { return points_.size(0); }
  Batch get(const at::Tensor& indices) const override {
    Batch b;
    b.size = indices.size(0);
    b.tensors["x"] = points_.index_select(0, indices);
    return b;
  }

 private:
  at::Tensor points_;
};

std::vector<double> column(const std::vector<Point>& pts, bool y) {
  std::vector<double> out(pts.size());
  for (size_t i = 0; i < pts.size(); ++i) out[i] = y ? pts[i].y : pts[i].x;
  return out;
}

plot::Series scatter(const std::string& label, const std::vector<Point>& pts, plot::Color color) {
  plot::Series s;
  s.label = label;
  s.x = column(pts, false);
  s.y = column(pts, true);
  s.color = color;
  s.marker_size = 1.5;
  s.alpha = 0.6;
  return s;
}

// Uniformly chosen n points of `data` (the data sets here are at least as large as eval.n by construction).
std::vector<Point> subset(const at::Tensor& data, int64_t n, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto idx = at::randperm(data.size(0), gen).narrow(0, 0, std::min<int64_t>(n, data.size(0)));
  return to_points(data.index_select(0, idx));
}

class Toy2dDomain : public Domain {
 public:
  std::string name() const override { return "toy2d"; }
  std::string description() const override {
    return "2-D point clouds (8-Gaussian mixture, moons, checkerboard, Swiss roll, CSV); MLP denoiser (App. F)";
  }
  std::string schema() const override { return kPluginSchema; }

  std::unique_ptr<Dataset> make_dataset(const Config& config, const std::string& split) const override {
    const uint64_t seed = uint64_t(config.get_int("seed")) * 7919 + (split == "train" ? 1 : 2);
    return std::make_unique<PointDataset>(make_toy_data(config, seed).points);
  }
  std::shared_ptr<Encoder> make_encoder(const Config& c) const override {
    return std::make_shared<Toy2dEncoderImpl>(c.get_int("latent.m"), c.get_int("latent.k"), c.get_int("model.hidden"),
                                              c.get_float("model.encoder_init_scale"));
  }
  std::shared_ptr<Denoiser> make_denoiser(const Config& c) const override {
    auto denoiser = std::make_shared<Toy2dDenoiserImpl>(
        c.get_int("latent.m"), c.get_int("latent.k"), c.get_int("model.hidden"), c.get_float("model.component_sigma"),
        c.get_float("diffusion.sigma_data"), c.get_float("model.codebook_init"), c.get_float("model.codebook_lr_scale"));
    if (c.get_int("latent.m") > 0 && c.get_bool("model.codebook_init_kmeans")) {
      // The codes start on k-means centres of the training set (the same points make_dataset("train") draws).
      const uint64_t seed = uint64_t(c.get_int("seed"));
      denoiser->set_code_centres(kmeans_centres(make_toy_data(c, seed * 7919 + 1).points, c.get_int("latent.k"), seed + 17));
    }
    return denoiser;
  }
  std::vector<int64_t> state_shape(const Config&) const override { return {2}; }

  std::vector<std::string> write_samples(const Config&, const SampleSet& s, const std::string& stem) const override {
    std::vector<int64_t> latents;
    if (s.latents.defined()) {
      auto first = s.latents.select(1, 0).to(at::kLong).contiguous();
      latents.assign(first.data_ptr<int64_t>(), first.data_ptr<int64_t>() + first.numel());
    }
    const std::string path = stem + ".csv";
    write_points_csv(path, to_points(s.x), latents);
    return {path};
  }

  Metrics evaluate(EvalContext& ctx) const override;
};

Metrics Toy2dDomain::evaluate(EvalContext& ctx) const {
  const Config& cfg = ctx.config;
  const int64_t n = cfg.get_int("eval.n");
  const uint64_t seed = uint64_t(cfg.get_int("seed"));
  auto options = ctx.default_options();
  options.n = n;
  options.record_trajectory = true;
  ctx.reporter.info("eval: sampling " + std::to_string(n) + " points with " + options.sampler + ", " +
                    std::to_string(options.sampler_options.steps) + " steps");
  SampleSet s = ctx.generate(options);
  const auto samples = to_points(s.x);
  fs::create_directories(ctx.run_dir + "/samples");
  fs::create_directories(ctx.run_dir + "/plots");
  write_samples(cfg, s, ctx.run_dir + "/samples/eval_samples");

  // Two fresh draws of the data: one to compare with, and one more to give the finite-sample floor of W2.
  const ToyData fresh = make_toy_data(cfg, seed * 7919 + 101), fresh2 = make_toy_data(cfg, seed * 7919 + 202);
  const auto ref = subset(fresh.points, n, seed + 11), ref2 = subset(fresh2.points, n, seed + 12);
  Metrics m;
  m.emplace_back("nfe", double(s.nfe));
  ctx.reporter.info("eval: exact W2 by optimal assignment (n = " + std::to_string(n) + ")");
  m.emplace_back("w2", wasserstein2_exact(samples, ref));
  m.emplace_back("w2_data_floor", wasserstein2_exact(ref2, ref));

  std::vector<int> modes;
  if (!fresh.means.empty()) {
    const double sigma = fresh.mode_sigma;
    modes = assign_modes(samples, fresh.means, sigma);
    const auto masses = mode_masses(samples, fresh.means, sigma);
    m.emplace_back("off_mode_fraction", off_mode_fraction(samples, fresh.means, sigma));
    m.emplace_back("off_mode_fraction_data", off_mode_fraction(ref, fresh.means, sigma));
    m.emplace_back("mode_mass_error", mode_mass_error(masses));
    m.emplace_back("modes_covered",
                   double(std::count_if(masses.begin(), masses.end(), [&](double w) { return w > 0.25 / masses.size(); })));
    if (s.latents.defined()) {
      // Purity: the share of each code's on-mode samples that fall in its most common mode.
      std::map<int64_t, std::map<int, int64_t>> counts;
      auto lat = s.latents.select(1, 0).contiguous();
      for (int64_t i = 0; i < n; ++i)
        if (modes[i] >= 0) counts[lat[i].item<int64_t>()][modes[i]]++;
      int64_t total = 0, majority = 0;
      std::vector<bool> mode_has_code(fresh.means.size(), false);
      for (const auto& [code, per_mode] : counts) {
        int64_t best = 0, sum = 0;
        int best_mode = 0;
        for (const auto& [mode, c] : per_mode) {
          sum += c;
          if (c > best) best = c, best_mode = mode;
        }
        total += sum;
        majority += best;
        mode_has_code[best_mode] = true;
      }
      m.emplace_back("codes_used", double(counts.size()));
      m.emplace_back("code_purity", total ? double(majority) / double(total) : 0.0);
      m.emplace_back("modes_with_own_code", double(std::count(mode_has_code.begin(), mode_has_code.end(), true)));
    }
  }

  // Curvature and Jacobian norm along the ODE trajectories of the first eval.curvature_points samples.
  const int64_t nc = std::min<int64_t>(cfg.get_int("eval.curvature_points"), n);
  Trajectory sub;
  sub.sigmas = s.trajectory.sigmas;
  for (const auto& st : s.trajectory.states) sub.states.push_back(st.narrow(0, 0, nc));
  Latents z;
  if (s.latents.defined()) z = Latents::from_indices(s.latents.narrow(0, 0, nc), ctx.model.k);
  auto& net = dynamic_cast<Toy2dDenoiserImpl&>(*ctx.model.ema);
  net.to(at::kCPU);
  const auto curve = curvature_and_jacobian(net, sub, z, cfg.get_float("eval.curvature_dt"));
  {
    std::string csv = "t,curvature,jacobian_frobenius_sq,network_jacobian_frobenius_sq\n";
    for (const auto& p : curve)
      csv += std::to_string(p.t) + "," + std::to_string(p.curvature) + "," + std::to_string(p.jacobian) + "," +
             std::to_string(p.jacobian_network) + "\n";
    write_text_atomically(ctx.run_dir + "/curvature_vs_t.csv", csv);
  }
  double curv_hi = 0, jac_hi = 0, net_jac_hi = 0, curv_all = 0, net_jac_all = 0;
  int64_t hi = 0;
  for (const auto& p : curve) {
    curv_all += p.curvature;
    net_jac_all += p.jacobian_network;
    if (p.t >= 1.0) curv_hi += p.curvature, jac_hi += p.jacobian, net_jac_hi += p.jacobian_network, ++hi;
  }
  m.emplace_back("curvature_mean", curve.empty() ? 0.0 : curv_all / curve.size());
  m.emplace_back("curvature_mean_t_ge_1", hi ? curv_hi / hi : 0.0);
  m.emplace_back("jacobian_mean_t_ge_1", hi ? jac_hi / hi : 0.0);
  m.emplace_back("network_jacobian_mean", curve.empty() ? 0.0 : net_jac_all / curve.size());
  m.emplace_back("network_jacobian_mean_t_ge_1", hi ? net_jac_hi / hi : 0.0);

  // ---- plots ----
  {
    plot::Figure fig;
    plot::Axes data_ax, sample_ax;
    data_ax.title = "data (fresh draw)";
    data_ax.equal_aspect = sample_ax.equal_aspect = true;
    data_ax.series.push_back(scatter("", ref, plot::palette(0)));
    sample_ax.title = s.latents.defined() ? "samples, coloured by latent" : "samples (no latents)";
    auto ss = scatter("", samples, plot::palette(0));
    if (s.latents.defined()) {
      auto lat = s.latents.select(1, 0).contiguous();
      ss.category.assign(lat.data_ptr<int64_t>(), lat.data_ptr<int64_t>() + lat.numel());
    }
    sample_ax.series.push_back(ss);
    const double lim = 5.0;
    data_ax.xlim = data_ax.ylim = sample_ax.xlim = sample_ax.ylim = std::make_pair(-lim, lim);
    fig.panels = {data_ax, sample_ax};
    plot::save_png(fig, ctx.run_dir + "/plots/samples.png");
  }
  {
    plot::Figure fig;
    plot::Axes ax;
    ax.title = "probability-flow ODE trajectories";
    ax.xlim = ax.ylim = std::make_pair(-6.0, 6.0);
    ax.equal_aspect = true;
    const int64_t nt = std::min<int64_t>(cfg.get_int("eval.plot_trajectories"), n);
    auto lat = s.latents.defined() ? s.latents.select(1, 0).contiguous() : at::Tensor();
    for (int64_t i = 0; i < nt; ++i) {
      plot::Series line;
      line.line = true;
      line.line_width = 1.0;
      line.color = lat.defined() ? plot::palette(int(lat[i].item<int64_t>())) : plot::palette(0);
      for (const auto& st : s.trajectory.states) {
        line.x.push_back(st[i][0].item<double>());
        line.y.push_back(st[i][1].item<double>());
      }
      ax.series.push_back(line);
    }
    ax.legend = false;
    fig.panels = {ax};
    plot::save_png(fig, ctx.run_dir + "/plots/trajectories.png");
  }
  {
    plot::Figure fig;
    plot::Axes a, b, c;
    a.title = "ODE curvature";
    b.title = "E ||dG/dx||_F^2";
    c.title = "E ||dH/dx||_F^2 (network part)";
    a.xlabel = b.xlabel = c.xlabel = "t";
    a.log_x = b.log_x = c.log_x = b.log_y = a.log_y = c.log_y = true;
    plot::Series sc, sj, sn;
    sc.line = sj.line = sn.line = true;
    for (const auto& p : curve) {
      sc.x.push_back(p.t), sc.y.push_back(p.curvature);
      sj.x.push_back(p.t), sj.y.push_back(p.jacobian);
      sn.x.push_back(p.t), sn.y.push_back(p.jacobian_network);
    }
    a.series = {sc};
    b.series = {sj};
    c.series = {sn};
    a.legend = b.legend = c.legend = false;
    fig.panels = {a, b, c};
    plot::save_png(fig, ctx.run_dir + "/plots/curvature.png");
  }
  return m;
}

}  // namespace

std::shared_ptr<Domain> make_toy2d_domain() { return std::make_shared<Toy2dDomain>(); }

}  // namespace disco::toy2d
