// The image Domain: DisCo-Diff on images (paper Sec. 4.1, App. C/D). Fashion-MNIST (built in) or any image
// folder; U-Net denoiser with cross-attention to the latents, ViT encoder; PNG grids; FD-<dataset> in the
// features of a classifier disco trains (with prior-sampled latents, and with latents encoded from test images:
// the denoiser's error alone), per-class accuracy of that classifier on generated images, diagnostics of whether
// the latents are used (codes in use, perplexity, confidence, mutual information with the class, the prior's NLL,
// encoded-vs-null loss) and what they mean (code-class table, code grids: latents_explained.h).
#include "image_domain.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sstream>

#include "classifier.h"
#include "datasets.h"
#include "disco/atomic_file.h"
#include "disco/error.h"
#include "disco/generate.h"
#include "disco/latents.h"
#include "disco/model.h"
#include "disco_plugin_schema.h"  // kPluginSchema: schema.toml, embedded by disco_add_plugin()
#include "frechet.h"
#include "inception.h"
#include "latents_explained.h"
#include "npz.h"
#include "png_grid.h"
#include "streaming_image_folder.h"
#include "unet.h"
#include "vit.h"

namespace fs = std::filesystem;

namespace disco::image {
namespace {

// model.latent_entry (the schema restricts it to these three).
UNetOptions::LatentEntry latent_entry(const std::string& name) {
  if (name == "embedding") return UNetOptions::LatentEntry::kEmbedding;
  if (name == "both") return UNetOptions::LatentEntry::kBoth;
  return UNetOptions::LatentEntry::kCrossAttention;
}

std::string fmt(double v) {
  std::ostringstream s;
  s.precision(4);
  s << v;
  return s.str();
}

// The first `n` of a fixed shuffle of `total` rows (seeded), for reference sets independent of the run.
at::Tensor fixed_rows(int64_t total, int64_t n, uint64_t seed) {
  auto perm = at::randperm(total, at::detail::createCPUGenerator(seed));
  return perm.narrow(0, 0, std::min<int64_t>(n, total));
}
at::Tensor fixed_subset(const at::Tensor& images, int64_t n, uint64_t seed) { return fixed_rows(images.size(0), n, seed); }
// The n rows after the first n of the same fixed shuffle: other images than fixed_rows(total, n, seed) when
// 2n <= total (the remaining ones again, in another order, when not).
at::Tensor rows_after(int64_t total, int64_t n, uint64_t seed) {
  auto perm = at::randperm(total, at::detail::createCPUGenerator(seed));
  return perm.index_select(0, at::arange(std::min(n, total), at::kLong).add(n).remainder(total));
}

constexpr int64_t kChunk = 250;  // images per encoder / denoiser call in the diagnostics

// A batch of images (model range) with their labels when the model is class-conditional.
Batch image_batch(const at::Tensor& x, const at::Tensor& labels, bool conditional, const c10::Device& device) {
  Batch b;
  b.size = x.size(0);
  b.tensors["x"] = x.to(device);
  if (conditional) b.tensors["label"] = labels.to(device);
  return b;
}

// The encoder's argmax codes [n, m] (CPU) and their softmax probabilities [n, m] for images x (model range).
std::pair<at::Tensor, at::Tensor> encode_codes(Model& model, const at::Tensor& x, const at::Tensor& labels, bool conditional) {
  torch::NoGradGuard no_grad;
  Encoder& encoder = *model.inference_encoder();
  encoder.eval();
  const auto device = model.ema->parameters()[0].device();
  std::vector<at::Tensor> cs, ps;
  for (int64_t s = 0; s < x.size(0); s += kChunk) {
    const int64_t len = std::min(kChunk, x.size(0) - s);
    auto logits = encoder.encode(image_batch(x.narrow(0, s, len), conditional ? labels.narrow(0, s, len) : labels,
                                             conditional, device)).logits;
    cs.push_back(logits.argmax(-1).to(at::kCPU));
    ps.push_back(at::softmax(logits, -1).amax(-1).to(at::kCPU));
  }
  return {at::cat(cs, 0), at::cat(ps, 0)};
}

std::string default_classifier_path(const Config& c) {
  std::string dir;
  if (const char* d = std::getenv("DISCO_CACHE_DIR"); d && *d) dir = d;
  else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) dir = std::string(x) + "/disco";
  else if (const char* h = std::getenv("HOME"); h && *h) dir = std::string(h) + "/.cache/disco";
  else dir = ".disco-cache";
  std::string tag = dataset_tag(c);
  if (c.get_string("data.name") == "folder") {
    std::ostringstream hex;
    hex << std::hex << (std::hash<std::string>{}(fs::absolute(c.get_string("data.path")).lexically_normal().string()) & 0xffffffu);
    tag += "-" + hex.str();
  }
  return dir + "/fd-classifier-" + tag + "-" + std::to_string(c.get_int("data.resolution")) + "-" +
         std::to_string(image_channels(c)) + "-" + std::to_string(c.get_int("eval.classifier_steps")) + ".pt";
}

class ImageDomain : public Domain {
 public:
  std::string name() const override { return "image"; }
  std::string description() const override {
    return "images (Fashion-MNIST IDX, PNG/JPEG folders); U-Net with latent cross-attention, ViT encoder, FD metric (App. D)";
  }
  std::string schema() const override { return kPluginSchema; }

  // The training split of a folder with data.stream is decoded batch by batch; everything else in memory.
  std::unique_ptr<Dataset> make_dataset(const Config& c, const std::string& split) const override {
    const bool stream = split == "train" && c.get_string("data.name") == "folder" && c.get_bool("data.stream");
    std::shared_ptr<const ImageFiles> files;
    std::shared_ptr<const ImageSet> set;
    if (stream) files = std::make_shared<const ImageFiles>(image_files(c, split));
    else set = load_image_set(c, split);
    const int64_t n = stream ? int64_t(files->paths.size()) : set->images.size(0), n_train = c.get_int("data.n_train");
    auto rows = at::arange(n, at::TensorOptions().dtype(at::kLong));
    if (split == "train" && n_train > 0 && n_train < n) rows = std::get<0>(fixed_rows(n, n_train, 4242).sort());
    const uint64_t seed = uint64_t(c.get_int("seed")) * 7919 + (split == "train" ? 1 : 2);
    const bool hflip = split == "train" && c.get_bool("data.hflip");
    if (stream)
      return std::make_unique<StreamingImageFolder>(files, rows, c.get_int("data.resolution"), c.get_bool("data.grayscale"),
                                                    c.get_bool("data.conditional"), hflip, seed);
    return std::make_unique<ImageDataset>(set, rows, c.get_bool("data.conditional"), hflip, seed);
  }

  std::shared_ptr<Encoder> make_encoder(const Config& c) const override {
    return std::make_shared<ViTEncoderImpl>(
        ViTEncoderOptions(image_channels(c), c.get_int("data.resolution"), c.get_int("latent.m"), c.get_int("latent.k"))
            .width(c.get_int("model.encoder_width"))
            .layers(c.get_int("model.encoder_layers"))
            .heads(c.get_int("model.encoder_heads"))
            .patch(c.get_int("model.encoder_patch"))
            .init_scale(c.get_float("model.encoder_init_scale"))
            .logit_norm(c.get_bool("model.encoder_logit_norm"))
            .logit_scale(c.get_float("model.encoder_logit_scale"))
            .head_per_latent(c.get_bool("model.encoder_head_per_latent")));
  }

  std::shared_ptr<Denoiser> make_denoiser(const Config& c) const override {
    return std::make_shared<UNetImpl>(UNetOptions(image_channels(c), c.get_int("data.resolution"))
                                          .channels(c.get_int("model.channels"))
                                          .channel_mult(c.get_int_list("model.channel_mult"))
                                          .blocks(c.get_int("model.blocks"))
                                          .attn_resolutions(c.get_int_list("model.attn_resolutions"))
                                          .heads(c.get_int("model.heads"))
                                          .dropout(c.get_float("model.dropout"))
                                          .num_classes(image_num_classes(c))
                                          .m(c.get_int("latent.m"))
                                          .k(c.get_int("latent.k"))
                                          .latent_width(c.get_int("model.latent_width"))
                                          .latent_layers(c.get_int("model.latent_layers"))
                                          .latent_groups(c.get_int("model.latent_groups"))
                                          .latent_entry(latent_entry(c.get_string("model.latent_entry")))
                                          .sigma_data(c.get_float("diffusion.sigma_data")));
  }

  std::vector<int64_t> state_shape(const Config& c) const override {
    const int64_t r = c.get_int("data.resolution");
    return {image_channels(c), r, r};
  }

  int64_t num_classes(const Config& c) const override { return image_num_classes(c); }

  // Classes in turn (0, 1, 2, ...: a grid with one column per class), or every image of sample.class.
  Batch sample_conditions(const Config& c, int64_t n, c10::optional<at::Generator>) const override {
    Batch b;
    b.size = n;
    const int64_t classes = image_num_classes(c), fixed = c.get_int("sample.class");
    if (classes == 0) {
      if (fixed >= 0) throw ConfigError(c.where("sample.class").str() + ": sample.class is set but the model is unconditional");
      return b;
    }
    if (fixed >= classes)
      throw ConfigError(c.where("sample.class").str() + ": sample.class must be < " + std::to_string(classes) +
                        " (the number of classes), got " + std::to_string(fixed));
    b.tensors["label"] = fixed >= 0 ? at::full({n}, fixed, at::kLong) : at::arange(n, at::kLong).remainder(classes);
    return b;
  }

  // STEM.png: a grid of the first sample.grid_max images; STEM.csv: index, class and latents of every sample;
  // with sample.all_images also every image, for external FID/FD tools: STEM/000000.png, 000001.png, ... (EDM's
  // naming) and STEM.npz (numpy: "arr_0" uint8 [N, H, W, C] as ADM's evaluator reads it, "labels" [N] and
  // "latents" [N, m] int64 when the samples have them).
  std::vector<std::string> write_samples(const Config& c, const SampleSet& s, const std::string& stem) const override {
    const int64_t n = std::min<int64_t>(s.x.size(0), c.get_int("sample.grid_max"));
    int64_t columns = c.get_int("sample.grid_columns");
    if (columns == 0) columns = image_num_classes(c) > 0 && c.get_int("sample.class") < 0
                                    ? image_num_classes(c)
                                    : int64_t(std::ceil(std::sqrt(double(std::max<int64_t>(n, 1)))));
    write_png(stem + ".png", make_grid(s.x.narrow(0, 0, n), columns));
    std::ostringstream csv;
    csv << "index,label";
    const int64_t m = s.latents.defined() ? s.latents.size(1) : 0;
    for (int64_t j = 0; j < m; ++j) csv << ",z" << j;
    csv << '\n';
    auto labels = s.cond.has("label") ? s.cond.at("label").to(at::kCPU).contiguous() : at::Tensor();
    auto z = m > 0 ? s.latents.to(at::kCPU).contiguous() : at::Tensor();
    for (int64_t i = 0; i < s.x.size(0); ++i) {
      csv << i << ',';
      if (labels.defined()) csv << labels.data_ptr<int64_t>()[i];
      for (int64_t j = 0; j < m; ++j) csv << ',' << z.data_ptr<int64_t>()[i * m + j];
      csv << '\n';
    }
    write_text_atomically(stem + ".csv", csv.str());
    std::vector<std::string> written{stem + ".png", stem + ".csv"};
    if (c.get_bool("sample.all_images")) {
      const auto pixels = to_uint8_nhwc(s.x);
      std::vector<std::pair<std::string, at::Tensor>> arrays{{"arr_0", pixels}};
      if (labels.defined()) arrays.emplace_back("labels", labels);
      if (m > 0) arrays.emplace_back("latents", z);
      write_npz(stem + ".npz", arrays);
      write_png_files(stem, pixels);
      written.push_back(stem + ".npz");
      written.push_back(stem + "/");
    }
    return written;
  }

  Metrics evaluate(EvalContext& ctx) const override;

 private:
  EncodedImages latent_diagnostics(EvalContext& ctx, const ImageSet& test, Metrics& m) const;
};

// Are the latents used? On a fixed subset of test images: code usage of the encoder's argmax codes, its mean
// maximum softmax probability, the mutual information between codes and class (per latent and of the whole
// tuple), the prior's NLL of those codes, and the denoising loss (EDM-weighted, EMA denoiser) with the encoded
// latents vs the null embedding at fixed sigmas and fixed noise. With m = 0 only the loss at each sigma is
// reported (the baseline's column of the same table). Returns the codes and labels of those test images.
EncodedImages ImageDomain::latent_diagnostics(EvalContext& ctx, const ImageSet& test, Metrics& m) const {
  const Config& cfg = ctx.config;
  Model& model = ctx.model;
  torch::NoGradGuard no_grad;
  model.ema->eval();
  const auto device = model.ema->parameters()[0].device();
  const int64_t n = std::min<int64_t>(cfg.get_int("eval.loss_n"), test.images.size(0));
  auto rows = fixed_subset(test.images, n, 99);
  auto x_all = to_model_range(test.images.index_select(0, rows));
  at::Tensor labels_all = test.labels.defined() ? test.labels.index_select(0, rows) : at::Tensor();
  const bool conditional = cfg.get_bool("data.conditional");
  EncodedImages encoded{at::Tensor(), labels_all};
  if (model.encoder) {
    auto [codes, max_prob] = encode_codes(model, x_all, labels_all, conditional);
    encoded.codes = codes;
    const auto usage = code_usage(codes, model.k);
    m.emplace_back("latent_codes_in_use", double(usage.codes_in_use));
    m.emplace_back("latent_perplexity", usage.perplexity);
    m.emplace_back("latent_mean_max_prob", max_prob.mean().item<double>());
    const auto [tuples, distinct] = tuple_ids(codes);
    m.emplace_back("latent_distinct_tuples", double(distinct));
    if (labels_all.defined()) {  // I(code; class) in nats, averaged over the m latents, and I(code tuple; class)
      const int64_t classes = std::max<int64_t>(test.num_classes, labels_all.max().item<int64_t>() + 1);
      double mi = 0;
      for (int64_t j = 0; j < model.m; ++j) mi += mutual_information(codes.select(1, j), model.k, labels_all, classes);
      m.emplace_back("latent_class_mutual_info", mi / double(model.m));
      m.emplace_back("latent_tuple_class_mutual_info", mutual_information(tuples, distinct, labels_all, classes));
    }
    // The prior's error on its own: the NLL of the codes the encoder gives unseen images (stage 2's loss on test
    // data), in nats per latent tuple; a uniform prior scores m ln k.
    model.prior->eval();
    double nll = 0;
    for (int64_t s = 0; s < n; s += kChunk) {
      const int64_t len = std::min(kChunk, n - s);
      Batch cond;
      cond.size = len;
      if (conditional) cond.tensors["label"] = labels_all.narrow(0, s, len).to(device);
      nll += model.prior->nll(cond, codes.narrow(0, s, len).to(device)).sum().item<double>();
    }
    m.emplace_back("prior_nll_test", nll / double(n));
    m.emplace_back("prior_nll_uniform", double(model.m) * std::log(double(model.k)));
  }
  // Loss at fixed sigmas, fixed noise: encoded (hard argmax codes, as sampling uses them; and the training
  // relaxation) vs null.
  const double tau = cfg.get_float("latent.tau");
  const bool hard = cfg.get_bool("latent.hard");
  if (model.encoder) model.inference_encoder()->eval();
  for (double sigma : cfg.get_float_list("eval.loss_sigmas")) {
    auto gen = at::detail::createCPUGenerator(uint64_t(1000 + std::lround(sigma * 1000)));
    double enc = 0, relaxed = 0, null = 0;
    for (int64_t s = 0; s < n; s += kChunk) {
      const int64_t len = std::min(kChunk, n - s);
      Batch clean = image_batch(x_all.narrow(0, s, len), conditional ? labels_all.narrow(0, s, len) : labels_all,
                                conditional, device);
      auto sig = at::full({len}, sigma, at::TensorOptions().device(device));
      auto noise = at::randn(clean.at("x").sizes(), gen).to(device) * sigma;
      Batch noisy = clean.with("x", clean.at("x") + noise);
      auto loss_of = [&](const Latents& z) {
        return model.diffusion->loss(clean, model.ema->denoise(noisy, sig, z), sig).sum().item<double>();
      };
      if (model.encoder) {
        auto logits = model.inference_encoder()->encode(clean).logits;
        Latents zh = Latents::from_indices(logits.argmax(-1), model.k);
        Latents zs;
        zs.codes = gumbel_softmax(logits, tau, hard, {}, gen);
        zs.dropped = at::zeros({len}, at::TensorOptions().dtype(at::kBool).device(device));
        enc += loss_of(zh);
        relaxed += loss_of(zs);
        null += loss_of(zh.all_dropped());
      } else {
        null += loss_of(Latents{});
      }
    }
    const std::string tag = "sigma" + fmt(sigma);
    if (model.encoder) {
      m.emplace_back("loss_encoded_" + tag, enc / double(n));
      m.emplace_back("loss_relaxed_" + tag, relaxed / double(n));
      m.emplace_back("loss_null_" + tag, null / double(n));
      m.emplace_back("loss_gain_" + tag, (null - enc) / std::max(null, 1e-12));
    } else {
      m.emplace_back("loss_" + tag, null / double(n));
    }
  }
  return encoded;
}

Metrics ImageDomain::evaluate(EvalContext& ctx) const {
  const Config& cfg = ctx.config;
  const int64_t n = cfg.get_int("eval.n");
  const std::string tag = dataset_tag(cfg);
  const bool conditional = cfg.get_bool("data.conditional");
  fs::create_directories(ctx.run_dir + "/samples");
  fs::create_directories(ctx.run_dir + "/plots");
  auto train = load_image_set(cfg, "train");
  auto test = load_image_set(cfg, "test");
  const auto device = ctx.model.ema->parameters()[0].device();
  Metrics m;

  auto options = ctx.default_options();
  options.n = n;
  ctx.reporter.info("eval: sampling " + std::to_string(n) + " images with " + options.sampler + ", " +
                    std::to_string(options.sampler_options.steps) + " steps, cfg " + fmt(options.cfg));
  SampleSet s = ctx.generate(options);
  write_samples(cfg, s, ctx.run_dir + "/samples/eval_samples");
  // Samples generated with the latents the encoder gives real images (`rows` of `set`) and, for a class-conditional
  // model, those images' labels.
  auto generate_with_encoded_latents = [&](const ImageSet& set, const at::Tensor& rows, const std::string& what,
                                           const std::string& folder) {
    auto labels = set.labels.defined() ? set.labels.index_select(0, rows) : at::Tensor();
    auto o = options;
    o.n = rows.size(0);
    o.fixed_latents = encode_codes(ctx.model, to_model_range(set.images.index_select(0, rows)), labels, conditional).first;
    o.fixed_cond.size = o.n;
    if (conditional) o.fixed_cond.tensors["label"] = labels;
    ctx.reporter.info("eval: sampling " + std::to_string(o.n) + " images with latents encoded from " + what);
    SampleSet out = ctx.generate(o);
    write_samples(cfg, out, ctx.run_dir + "/samples/" + folder);
    return out;
  };
  // The denoiser's error alone (the prior's left out): latents of real test images (other images than the FD
  // reference when the test split holds 2n).
  SampleSet s_encoded;
  if (ctx.model.has_latents() && cfg.get_bool("eval.fd_encoded_latents"))
    s_encoded = generate_with_encoded_latents(*test, rows_after(test->images.size(0), n, 1), "test images",
                                              "eval_samples_encoded_latents");
  // An ideal prior: latents of random training images, the code tuples in the frequencies the AR prior was trained
  // to reproduce. Next to fd_<dataset> it measures the AR prior's own error; next to the encoded-latents FD, what
  // the encoder's generalisation from training to test images adds.
  SampleSet s_train_latents;
  if (ctx.model.has_latents() && cfg.get_bool("eval.fd_train_latents"))
    s_train_latents = generate_with_encoded_latents(*train, fixed_subset(train->images, n, 3), "training images",
                                                    "eval_samples_train_latents");
  m.emplace_back("nfe", double(s.nfe));
  auto count = [](torch::nn::Module& module) {
    int64_t total = 0;
    for (const auto& p : module.parameters()) total += p.numel();
    return double(total);
  };
  m.emplace_back("denoiser_parameters", count(*ctx.model.ema));
  if (ctx.model.encoder) m.emplace_back("encoder_parameters", count(*ctx.model.encoder));

  // FD-<dataset>: Frechet distance in the classifier's 128-d features, generated vs test; the floor is a
  // training subset of the same size vs the same test images.
  const std::string path = cfg.get_string("eval.classifier_path").empty() ? default_classifier_path(cfg)
                                                                          : cfg.get_string("eval.classifier_path");
  const int64_t classes = train->num_classes;
  if (classes >= 2) {
    auto net = load_or_train_classifier(path, *train, cfg.get_int("eval.classifier_steps"), device, ctx.reporter);
    auto test_x = to_model_range(test->images.index_select(0, fixed_subset(test->images, n, 1)));
    auto train_x = to_model_range(train->images.index_select(0, fixed_subset(train->images, n, 2)));
    const auto ref = fit_gaussian(classifier_features(net, test_x));
    const auto samples_fit = fit_gaussian(classifier_features(net, s.x));
    m.emplace_back("fd_" + tag, frechet_distance(samples_fit, ref));
    if (s_encoded.x.defined())
      m.emplace_back("fd_" + tag + "_encoded_latents", frechet_distance(fit_gaussian(classifier_features(net, s_encoded.x)), ref));
    if (s_train_latents.x.defined())
      m.emplace_back("fd_" + tag + "_train_latents", frechet_distance(fit_gaussian(classifier_features(net, s_train_latents.x)), ref));
    const auto train_ref = fit_gaussian(classifier_features(net, train_x));
    m.emplace_back("fd_" + tag + "_train_test_floor", frechet_distance(train_ref, ref));
    // Against training images instead of test images: for choosing sampler settings (guidance, steps, prior
    // temperature) without looking at the test split that fd_<dataset> reports on.
    m.emplace_back("fd_" + tag + "_vs_train", frechet_distance(samples_fit, train_ref));
    auto test_pred = classifier_predictions(net, to_model_range(test->images));
    m.emplace_back("classifier_test_accuracy", test_pred.eq(test->labels).to(at::kDouble).mean().item<double>());
    // Conditional fidelity: does the classifier see the requested class in the generated images?
    if (s.cond.has("label")) {
      auto want = s.cond.at("label").to(at::kCPU);
      auto hit = classifier_predictions(net, s.x).eq(want).to(at::kDouble);
      m.emplace_back("class_accuracy_mean", hit.mean().item<double>());
      for (int64_t c = 0; c < classes; ++c) {
        auto sel = want.eq(c);
        if (sel.any().item<bool>()) m.emplace_back("class_accuracy_" + std::to_string(c), hit.masked_select(sel).mean().item<double>());
      }
    }
  } else {
    ctx.reporter.warn("eval: no class labels, so no FD classifier; only eval.inception can give a Frechet distance");
  }
  if (!cfg.get_string("eval.inception").empty()) {
    const std::string inc = cfg.get_string("eval.inception");
    ctx.reporter.info("eval: FID with the Inception network " + inc);
    auto test_x = to_model_range(test->images.index_select(0, fixed_subset(test->images, n, 1)));
    const auto ref = fit_gaussian(inception_features(inc, test_x));
    m.emplace_back("fid", frechet_distance(fit_gaussian(inception_features(inc, s.x)), ref));
    if (s_encoded.x.defined())
      m.emplace_back("fid_encoded_latents", frechet_distance(fit_gaussian(inception_features(inc, s_encoded.x)), ref));
    if (s_train_latents.x.defined())
      m.emplace_back("fid_train_latents", frechet_distance(fit_gaussian(inception_features(inc, s_train_latents.x)), ref));
  }

  const EncodedImages described = latent_diagnostics(ctx, *test, m);

  // Latents explained: the classes behind each code (tables/latent_classes.csv) and grids of what codes look like.
  if (ctx.model.has_latents()) {
    if (described.labels.defined() && test->num_classes > 0) {
      std::vector<std::string> names = test->class_names;
      for (int64_t c = int64_t(names.size()); c < test->num_classes; ++c) names.push_back("class_" + std::to_string(c));
      fs::create_directories(ctx.run_dir + "/tables");
      write_text_atomically(ctx.run_dir + "/tables/latent_classes.csv", code_class_table_csv(described.codes, described.labels, names));
    }
    write_code_grids(ctx, options, described, conditional, cfg.get_int("eval.code_grids"), ctx.run_dir + "/plots");
  }

  // Samples sharing latents (paper Fig. 2b / 15): each row one latent vector from the prior, every image of the
  // row generated with it (classes in turn along the row when the model is class-conditional).
  const int64_t rows = cfg.get_int("eval.shared_latents");
  if (ctx.model.has_latents() && rows > 0) {
    const int64_t cols = classes > 0 && conditional ? std::min<int64_t>(classes, 10) : 8;
    Batch cond = sample_conditions(cfg, rows, c10::nullopt).to(device);
    at::Tensor z;
    {
      torch::NoGradGuard no_grad;
      ctx.model.prior->eval();
      z = ctx.model.prior->sample(cond, rows, options.prior_temperature, options.prior_top_k,
                                  at::detail::createCPUGenerator(uint64_t(cfg.get_int("seed")) + 5)).to(at::kCPU);
    }
    std::vector<at::Tensor> images;
    for (int64_t r = 0; r < rows; ++r) {
      auto o = options;
      o.n = cols;
      o.fixed_latents = z[r];
      o.seed = options.seed + 17 + uint64_t(r);
      images.push_back(ctx.generate(o).x);
    }
    write_png(ctx.run_dir + "/plots/shared_latents.png", make_grid(at::cat(images, 0), cols));
  }
  return m;
}

}  // namespace

std::shared_ptr<Domain> make_image_domain() { return std::make_shared<ImageDomain>(); }

}  // namespace disco::image
