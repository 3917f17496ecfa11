// The signal1d plugin: DisCo-Diff on 1-D signals (time series). It is also disco's plugin template: copy this
// folder to start a new modality (docs/plugins.md walks through it). Everything a domain must provide is in
// this file; the networks, data, metrics and file formats live in the files next to it.
#include "signal1d_domain.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "datasets.h"
#include "disco/atomic_file.h"
#include "disco/error.h"
#include "disco/generate.h"
#include "disco/model.h"
#include "disco/plot.h"
#include "disco_plugin_schema.h"  // kPluginSchema: schema.toml, embedded by disco_add_plugin()
#include "metrics.h"
#include "networks.h"
#include "signal_io.h"

namespace fs = std::filesystem;

namespace disco::signal1d {
namespace {

class SignalDataset : public Dataset {
 public:
  explicit SignalDataset(at::Tensor signals) : signals_(std::move(signals)) {}
  int64_t size() const override { return signals_.size(0); }
  Batch get(const at::Tensor& indices) const override {
    Batch b;
    b.size = indices.size(0);
    b.tensors["x"] = signals_.index_select(0, indices.to(at::kCPU));
    return b;
  }

 private:
  at::Tensor signals_;  // [N, L]
};

std::vector<double> to_vector(const at::Tensor& t) {
  auto c = t.to(at::kCPU).to(at::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

std::vector<double> index_axis(int64_t n) {
  std::vector<double> v(static_cast<size_t>(std::max<int64_t>(n, 0)));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = double(i);
  return v;
}

// One panel per code of the first latent (at most kMaxPanels, lowest codes first), each overlaying up to
// `per_panel` of that code's signals in the code's colour; one panel when there are no latents. `notes[code]`,
// when given, replaces the sample count in that panel's title.
constexpr int64_t kMaxPanels = 8;
void plot_signals(const at::Tensor& x, const at::Tensor& latents, int64_t per_panel, const std::string& path,
                  const std::map<int64_t, std::string>& notes = {}) {
  auto xs = x.to(at::kCPU).to(at::kDouble);
  const int64_t n = xs.size(0), length = xs.size(1);
  const double lim = std::max(1e-6, xs.abs().max().item<double>()) * 1.05;
  std::map<int64_t, std::vector<int64_t>> groups;  // code -> rows
  auto first = latents.defined() ? latents.select(1, 0).to(at::kCPU).contiguous() : at::Tensor();
  for (int64_t i = 0; i < n; ++i) groups[first.defined() ? first.data_ptr<int64_t>()[i] : -1].push_back(i);
  plot::Figure fig;
  fig.panel_width = 300;
  fig.panel_height = 220;
  for (const auto& [code, rows] : groups) {
    if (int64_t(fig.panels.size()) == kMaxPanels) break;
    plot::Axes ax;
    const int64_t shown = std::min<int64_t>(per_panel, int64_t(rows.size()));
    const std::string count = shown < int64_t(rows.size())
                                  ? std::to_string(shown) + " of " + std::to_string(rows.size()) + " shown"
                                  : std::to_string(rows.size()) + " samples";
    if (code < 0) ax.title = "samples (" + count + ")";
    else if (notes.count(code)) ax.title = "latent " + std::to_string(code) + notes.at(code);
    else ax.title = "latent " + std::to_string(code) + " (" + count + ")";
    ax.xlabel = "t";
    ax.xlim = std::make_pair(0.0, double(length - 1));
    ax.ylim = std::make_pair(-lim, lim);
    ax.legend = false;
    for (int64_t j = 0; j < shown; ++j) {
      plot::Series line;
      line.line = true;
      line.line_width = 1.0;
      line.color = code < 0 ? plot::palette(j) : plot::palette(int(code));
      line.x = index_axis(length);
      line.y = to_vector(xs[rows[size_t(j)]]);
      ax.series.push_back(line);
    }
    fig.panels.push_back(ax);
  }
  plot::save_png(fig, path);
}

plot::Series spectrum_line(const std::string& label, const at::Tensor& p, plot::Color color) {
  plot::Series s;
  s.label = label;
  s.line = true;
  s.color = color;
  s.x = index_axis(p.size(0));
  s.y = to_vector(p);
  return s;
}

class Signal1dDomain : public Domain {
 public:
  std::string name() const override { return "signal1d"; }
  std::string description() const override {
    return "1-D signals (sine mixtures, CSV/.npy); conv denoiser with latent cross-attention, Transformer encoder";
  }
  std::string schema() const override { return kPluginSchema; }

  std::unique_ptr<Dataset> make_dataset(const Config& config, const std::string& split) const override {
    // Train and test draw different signals from the same distribution; both are fixed by the run's seed.
    const uint64_t seed = uint64_t(config.get_int("seed")) * 7919 + (split == "train" ? 1 : 2);
    return std::make_unique<SignalDataset>(load_signals(config, split, seed));
  }

  std::shared_ptr<Encoder> make_encoder(const Config& c) const override {
    return std::make_shared<SignalEncoderImpl>(
        SignalEncoderOptions(c.get_int("data.length"), c.get_int("latent.m"), c.get_int("latent.k"))
            .width(c.get_int("model.encoder_width"))
            .layers(c.get_int("model.encoder_layers"))
            .heads(c.get_int("model.encoder_heads"))
            .patch(c.get_int("model.patch"))
            .sigma_data(c.get_float("diffusion.sigma_data")));
  }

  std::shared_ptr<Denoiser> make_denoiser(const Config& c) const override {
    return std::make_shared<SignalDenoiserImpl>(SignalDenoiserOptions(c.get_int("latent.m"), c.get_int("latent.k"))
                                                    .channels(c.get_int("model.channels"))
                                                    .blocks(c.get_int("model.blocks"))
                                                    .heads(c.get_int("model.heads"))
                                                    .sigma_data(c.get_float("diffusion.sigma_data")));
  }

  std::vector<int64_t> state_shape(const Config& c) const override { return {c.get_int("data.length")}; }

  // STEM.csv (one signal per row + latent column) and STEM.png (signals grouped by their first latent).
  std::vector<std::string> write_samples(const Config& c, const SampleSet& s, const std::string& stem) const override {
    write_signals_csv(stem + ".csv", s.x, s.latents);
    plot_signals(s.x, s.latents, c.get_int("eval.plot_signals"), stem + ".png");
    return {stem + ".csv", stem + ".png"};
  }

  Metrics evaluate(EvalContext& ctx) const override;

 private:
  // Two reference sets of equal size, independent of each other and of training: fresh sine draws, or two
  // disjoint random halves of the test file (then each holds at most half the file).
  std::pair<at::Tensor, at::Tensor> reference_sets(const Config& cfg, int64_t n) const {
    const uint64_t seed = uint64_t(cfg.get_int("seed"));
    if (cfg.get_string("data.name") == "sines") {
      const auto o = sine_options_from_config(cfg);
      return {make_sines(o, n, seed * 7919 + 101).x, make_sines(o, n, seed * 7919 + 202).x};
    }
    auto all = load_signals(cfg, "test", 0);
    auto gen = at::detail::createCPUGenerator(seed + 13);
    auto perm = at::randperm(all.size(0), gen);
    const int64_t half = std::min(n, all.size(0) / 2);
    if (half < 2) throw DataError("eval needs at least 4 test signals (got " + std::to_string(all.size(0)) + ")");
    return {all.index_select(0, perm.narrow(0, 0, half)), all.index_select(0, perm.narrow(0, half, half))};
  }
};

Metrics Signal1dDomain::evaluate(EvalContext& ctx) const {
  const Config& cfg = ctx.config;
  const int64_t n = cfg.get_int("eval.n");
  fs::create_directories(ctx.run_dir + "/samples");
  fs::create_directories(ctx.run_dir + "/plots");
  auto options = ctx.default_options();
  options.n = n;
  ctx.reporter.info("eval: sampling " + std::to_string(n) + " signals with " + options.sampler + ", " +
                    std::to_string(options.sampler_options.steps) + " steps");
  SampleSet s = ctx.generate(options);
  write_samples(cfg, s, ctx.run_dir + "/samples/eval_samples");

  auto [ref, ref2] = reference_sets(cfg, n);
  const int64_t nr = ref.size(0);
  auto x = s.x.narrow(0, 0, std::min(nr, s.x.size(0)));
  Metrics m;
  m.emplace_back("nfe", double(s.nfe));

  // Per-frequency spectrum error: mean power spectra of samples vs data (and data vs data, the floor).
  auto p_data = mean_power_spectrum(ref), p_data2 = mean_power_spectrum(ref2), p_samples = mean_power_spectrum(x);
  m.emplace_back("spectrum_error", spectrum_error(p_samples, p_data));
  m.emplace_back("spectrum_error_data_floor", spectrum_error(p_data2, p_data));
  {
    std::ostringstream csv;
    csv.precision(9);
    csv << "frequency,power_data,power_samples,power_data2,abs_error\n";
    for (int64_t f = 0; f < p_data.size(0); ++f) {
      const double d = p_data[f].item<double>(), g = p_samples[f].item<double>();
      csv << f << ',' << d << ',' << g << ',' << p_data2[f].item<double>() << ',' << std::abs(g - d) << '\n';
    }
    write_text_atomically(ctx.run_dir + "/eval_spectrum.csv", csv.str());
  }

  // W2 over summary statistics (standardised by the data's spread): Gaussian fit of the joint, exact marginals.
  auto st_data = summary_statistics(ref), st_data2 = summary_statistics(ref2), st_samples = summary_statistics(x);
  m.emplace_back("stats_frechet", gaussian_w2(st_samples, st_data));
  m.emplace_back("stats_frechet_data_floor", gaussian_w2(st_data2, st_data));
  const auto marg = marginal_w2(st_samples, st_data), marg_floor = marginal_w2(st_data2, st_data);
  double mean_marg = 0, mean_floor = 0;
  {
    std::ostringstream csv;
    csv << "statistic,w2,w2_data_floor\n";
    for (size_t i = 0; i < marg.size(); ++i) {
      csv << kSummaryNames[i] << ',' << marg[i] << ',' << marg_floor[i] << '\n';
      mean_marg += marg[i] / double(marg.size());
      mean_floor += marg_floor[i] / double(marg.size());
    }
    write_text_atomically(ctx.run_dir + "/eval_statistics.csv", csv.str());
  }
  m.emplace_back("stats_w2_marginal", mean_marg);
  m.emplace_back("stats_w2_marginal_data_floor", mean_floor);

  std::vector<std::pair<int64_t, at::Tensor>> code_spectra;  // codes the prior picks in >= 1% of samples
  if (s.latents.defined()) {
    auto first = s.latents.select(1, 0).narrow(0, 0, x.size(0));
    m.emplace_back("codes_used", double(std::get<0>(at::_unique(first)).numel()));
    m.emplace_back("code_purity", code_purity(st_samples.select(1, 1), first));
    // One latent: sample every code on its own (as `disco sample --latents i` does) and report where its
    // power peaks. With m > 1 the codes of one latent only mean something jointly with the others.
    if (ctx.model.m == 1) {
      const int64_t per_code = cfg.get_int("eval.per_code");
      std::vector<at::Tensor> code_signals;
      at::Tensor code_labels = at::empty({0}, at::kLong);
      std::map<int64_t, std::string> notes;  // how often the prior picks each code: rare codes were barely trained
      for (int64_t code = 0; code < ctx.model.k; ++code) {
        const double share = first.eq(code).to(at::kDouble).mean().item<double>();
        char note[32];
        std::snprintf(note, sizeof note, ", prior %.0f%%", 100 * share);
        notes[code] = note;
        m.emplace_back("code" + std::to_string(code) + "_prior_share", share);
        auto o = options;
        o.n = per_code;
        o.fixed_latents = at::full({1}, code, at::kLong);
        auto sc = ctx.generate(o);
        auto p = mean_power_spectrum(sc.x);
        if (share >= 0.01) code_spectra.emplace_back(code, p);
        const int64_t peak = p.narrow(0, 1, p.size(0) - 1).argmax().item<int64_t>() + 1;
        auto dominant = summary_statistics(sc.x).select(1, 1);
        m.emplace_back("code" + std::to_string(code) + "_peak_frequency", double(peak));
        m.emplace_back("code" + std::to_string(code) + "_peak_share", dominant.eq(double(peak)).to(at::kDouble).mean().item<double>());
        code_signals.push_back(sc.x);
        code_labels = at::cat({code_labels, at::full({per_code}, code, at::kLong)});
      }
      plot_signals(at::cat(code_signals, 0), code_labels.unsqueeze(1), cfg.get_int("eval.plot_signals"),
                   ctx.run_dir + "/plots/codes.png", notes);
    }
  }

  // Mean power spectra: data, samples, and (one latent) each code the prior uses, sampled on its own.
  plot::Figure fig;
  fig.panel_width = 520;
  fig.panel_height = 360;
  plot::Axes ax;
  ax.title = "mean power spectrum";
  ax.xlabel = "frequency (cycles per signal)";
  ax.log_y = true;
  ax.series.push_back(spectrum_line("data", p_data, plot::kGrey));
  ax.series.push_back(spectrum_line("samples", p_samples, plot::Color{0, 0, 0}));
  fig.panels.push_back(ax);
  if (!code_spectra.empty()) {
    plot::Axes by_code;
    by_code.title = "fixed latent (--latents i), codes in use";
    by_code.xlabel = ax.xlabel;
    by_code.log_y = true;
    for (const auto& [code, p] : code_spectra)
      by_code.series.push_back(spectrum_line("latent " + std::to_string(code), p, plot::palette(int(code))));
    fig.panels.push_back(by_code);
  }
  plot::save_png(fig, ctx.run_dir + "/plots/spectrum.png");
  return m;
}

}  // namespace

std::shared_ptr<Domain> make_signal1d_domain() { return std::make_shared<Signal1dDomain>(); }

}  // namespace disco::signal1d
