// Latents explained: what each discrete code stands for. For the encoder's codes of test images: the class
// histogram of the images behind every code (a table), samples that share a code and one sample per code
// (grids; paper Fig. 2b / 15 show samples sharing a latent vector). `disco eval` writes them for the report.
#pragma once
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "disco/domain.h"
#include "disco/generate.h"

namespace disco::image {

// Plug-in mutual information I(X; Y) in nats of paired discrete values x in [0, nx), y in [0, ny) ([n] int64).
double mutual_information(const at::Tensor& x, int64_t nx, const at::Tensor& y, int64_t ny);

// Each row of codes [n, m] as the index of its distinct tuple ([n] int64) and the number of distinct tuples.
std::pair<at::Tensor, int64_t> tuple_ids(const at::Tensor& codes);

// The codes of latent j that occur in codes [n, m], most used first (ties: lower code first).
std::vector<int64_t> codes_by_use(const at::Tensor& codes, int64_t j);

// The code-class table as CSV: one row per latent and code in use, in codes_by_use order, with columns
//   latent, code, images (how many carry it), share (of all n), top_class (name), top_class_share (of the
//   code's images), then one count column per class (named by class_names).
// codes [n, m] int64, labels [n] int64 in [0, class_names.size()).
std::string code_class_table_csv(const at::Tensor& codes, const at::Tensor& labels,
                                 const std::vector<std::string>& class_names);

// Test images as the encoder sees them: their codes and labels.
struct EncodedImages {
  at::Tensor codes;   // [n, m] int64, the encoder's argmax
  at::Tensor labels;  // [n] int64 or undefined (unlabelled)
};

// For each of the first `latents` latents j, two PNGs under `plots_dir`:
//   code_samples_latent<j>.png: one row per code of latent j (the table's first `rows` rows: most used first), each
//     row `columns` samples generated with the whole code tuples of test images whose latent j has that code
//     (and their labels when the model is class-conditional);
//   code_images_latent<j>.png: one sample per code 0..k-1 (10 per row), all from the same noise and the code tuple
//     of the first test image with only latent j changed: what that latent alone does.
// Returns the paths written.
std::vector<std::string> write_code_grids(EvalContext& ctx, const GenerateOptions& options, const EncodedImages& test,
                                          bool conditional, int64_t latents, const std::string& plots_dir,
                                          int64_t rows = 10, int64_t columns = 8);

}  // namespace disco::image
