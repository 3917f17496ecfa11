#include "latents_explained.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "disco/model.h"
#include "png_grid.h"

namespace disco::image {

double mutual_information(const at::Tensor& x, int64_t nx, const at::Tensor& y, int64_t ny) {
  const int64_t n = x.size(0);
  if (n == 0) return 0;
  auto joint = at::zeros({nx, ny}, at::kDouble);
  joint.index_put_({x.to(at::kCPU), y.to(at::kCPU)}, at::ones({n}, at::kDouble), /*accumulate=*/true);
  joint /= double(n);
  auto px = joint.sum(1, true), py = joint.sum(0, true);
  auto ratio = (joint / (px * py).clamp_min(1e-300)).clamp_min(1e-300);
  return (joint * ratio.log()).where(joint > 0, at::zeros_like(joint)).sum().item<double>();
}

std::pair<at::Tensor, int64_t> tuple_ids(const at::Tensor& codes) {
  // unique over rows, not a mixed-radix number: k^m overflows int64 for the paper's m = 10, k = 100.
  auto [unique, inverse, counts] = at::unique_dim(codes.to(at::kCPU), 0, /*sorted=*/true, /*return_inverse=*/true);
  return {inverse, unique.size(0)};
}

std::vector<int64_t> codes_by_use(const at::Tensor& codes, int64_t j) {
  auto column = codes.select(1, j).to(at::kCPU).contiguous();
  const int64_t n = column.size(0);
  std::vector<std::pair<int64_t, int64_t>> count;  // (-uses, code)
  {
    std::vector<int64_t> uses;
    const int64_t* c = column.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      if (c[i] >= int64_t(uses.size())) uses.resize(size_t(c[i]) + 1, 0);
      ++uses[size_t(c[i])];
    }
    for (size_t code = 0; code < uses.size(); ++code)
      if (uses[code] > 0) count.emplace_back(-uses[code], int64_t(code));
  }
  std::sort(count.begin(), count.end());
  std::vector<int64_t> out;
  for (const auto& [uses, code] : count) out.push_back(code);
  return out;
}

std::string code_class_table_csv(const at::Tensor& codes_in, const at::Tensor& labels_in,
                                 const std::vector<std::string>& class_names) {
  const auto codes = codes_in.to(at::kCPU).contiguous(), labels = labels_in.to(at::kCPU).contiguous();
  const int64_t n = codes.size(0), m = codes.size(1), classes = int64_t(class_names.size());
  auto cell = [](std::string s) {  // a class name as a CSV cell of its own
    std::replace(s.begin(), s.end(), ',', ' ');
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
  };
  std::ostringstream csv;
  csv.precision(4);
  csv << "latent,code,images,share,top_class,top_class_share";
  for (const auto& name : class_names) csv << ',' << cell(name);
  csv << '\n';
  const int64_t* c = codes.data_ptr<int64_t>();
  const int64_t* l = labels.data_ptr<int64_t>();
  for (int64_t j = 0; j < m; ++j) {
    for (int64_t code : codes_by_use(codes, j)) {
      std::vector<int64_t> hist(size_t(classes), 0);
      int64_t images = 0;
      for (int64_t i = 0; i < n; ++i)
        if (c[i * m + j] == code) {
          ++images;
          if (l[i] >= 0 && l[i] < classes) ++hist[size_t(l[i])];
        }
      const auto top = std::max_element(hist.begin(), hist.end()) - hist.begin();
      csv << j << ',' << code << ',' << images << ',' << double(images) / double(n) << ','
          << (classes > 0 ? cell(class_names[size_t(top)]) : "") << ','
          << (classes > 0 ? double(hist[size_t(top)]) / double(images) : 0.0);
      for (int64_t h : hist) csv << ',' << h;
      csv << '\n';
    }
  }
  return csv.str();
}

std::vector<std::string> write_code_grids(EvalContext& ctx, const GenerateOptions& options, const EncodedImages& test,
                                          bool conditional, int64_t latents, const std::string& plots_dir,
                                          int64_t rows, int64_t columns) {
  const int64_t m = test.codes.size(1), k = ctx.model.k;
  const auto codes = test.codes.to(at::kCPU);
  const bool labelled = conditional && test.labels.defined();
  std::vector<std::string> written;
  for (int64_t j = 0; j < std::min(latents, m); ++j) {
    // Samples sharing one code: the tuples (and labels) of test images that have it, `columns` per row.
    std::vector<int64_t> picks;
    auto order = codes_by_use(codes, j);
    order.resize(std::min<size_t>(order.size(), size_t(rows)));
    for (int64_t code : order) {
      auto with_code = codes.select(1, j).eq(code).nonzero().squeeze(1);
      for (int64_t i = 0; i < columns; ++i) picks.push_back(with_code[i % with_code.size(0)].item<int64_t>());
    }
    auto rows_of = at::tensor(picks, at::kLong);
    auto o = options;
    o.n = rows_of.size(0);
    o.fixed_latents = codes.index_select(0, rows_of);
    o.fixed_cond = Batch{};
    o.fixed_cond.size = o.n;
    if (labelled) o.fixed_cond.tensors["label"] = test.labels.to(at::kCPU).index_select(0, rows_of);
    o.seed = options.seed + 101 + uint64_t(j);
    const std::string shared = plots_dir + "/code_samples_latent" + std::to_string(j) + ".png";
    write_png(shared, make_grid(ctx.generate(o).x, columns));
    written.push_back(shared);

    // One image per code: the first test image's tuple with latent j set to 0..k-1, from one noise draw (each
    // call with the same seed starts from the same noise).
    std::vector<at::Tensor> images;
    for (int64_t code = 0; code < k; ++code) {
      auto one = options;
      one.n = 1;
      auto z = codes[0].clone();
      z[j] = code;
      one.fixed_latents = z.unsqueeze(0);
      one.fixed_cond = Batch{};
      one.fixed_cond.size = 1;
      if (labelled) one.fixed_cond.tensors["label"] = test.labels.to(at::kCPU).narrow(0, 0, 1);
      one.seed = options.seed + 211 + uint64_t(j);
      images.push_back(ctx.generate(one).x);
    }
    const std::string each = plots_dir + "/code_images_latent" + std::to_string(j) + ".png";
    write_png(each, make_grid(at::cat(images, 0), std::min<int64_t>(k, 10)));
    written.push_back(each);
  }
  return written;
}

}  // namespace disco::image
