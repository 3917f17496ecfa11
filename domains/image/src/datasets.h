// Image datasets: Fashion-MNIST from its gzipped IDX files, or a folder of PNG/JPEG images (one sub-folder per
// class, ImageNet layout, or flat = unlabelled). Images are kept as uint8 [N, C, R, R] at the configured
// resolution R and handed out as floats in [-1, 1] (Batch key "x") with class labels (key "label", int64).
// With data.stream a folder is only listed here and decoded batch by batch (streaming_image_folder.h).
#pragma once
#include <ATen/core/Tensor.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "disco/config.h"
#include "disco/domain.h"
#include "random_flips.h"

namespace disco::image {

struct ImageSet {
  at::Tensor images;  // [N, C, R, R] uint8
  at::Tensor labels;  // [N] int64; undefined when unlabelled
  int64_t num_classes = 0;
  std::vector<std::string> class_names;
  int64_t skipped = 0;  // unreadable files that were left out (folder)
};

// The default location of Debian's dataset-fashion-mnist package.
constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
constexpr int64_t kFashionMnistClasses = 10;
extern const char* const kFashionMnistClassNames[10];

// The image files of a folder, listed but not decoded, in sorted path order.
struct ImageFiles {
  std::string root;
  std::vector<std::string> paths;
  std::vector<int64_t> labels;  // one per path; -1 when unlabelled
  bool labelled = false;        // one sub-folder per class (labels are valid)
  std::vector<std::string> class_names;
  int64_t skipped = 0;  // files left out while listing (a class folder not among the training classes)
};

// split: "train" or "test". Loads are cached per (path, split, resolution...) in the process. With
// data.stream (folder) the test_fraction split is drawn over the listed files (image_files), so that it is the
// same split the streaming training set uses; without it, over the images that decoded. The two agree when
// every file decodes.
std::shared_ptr<const ImageSet> load_image_set(const Config& config, const std::string& split);
// The files of a split of a folder (data.name = "folder"), as the streaming dataset reads them: data.path, or
// data.test_path for "test", or the data.test_fraction hold-out of data.path (the same fixed shuffle as
// load_image_set, drawn over the listed files).
ImageFiles image_files(const Config& config, const std::string& split);
// Fashion-MNIST at `dir` (28x28 centre-padded with background to `resolution`).
ImageSet load_fashion_mnist(const std::string& dir, const std::string& split, int64_t resolution);
// Every PNG/JPEG under `root`: centre square, resized to `resolution`. A file that cannot be decoded, or whose
// longer side is over 16 times its shorter one, is skipped with a warning on stderr naming it and counted in
// `skipped`; a folder where no image is left is a DataError. `class_names` (when not empty) fixes the label of each
// sub-folder name (for a test folder); otherwise the sorted sub-folder names define the classes.
ImageSet load_image_folder(const std::string& root, int64_t resolution, bool grayscale,
                           const std::vector<std::string>& class_names = {});
// The listing half of load_image_folder: every PNG/JPEG under `root` with its label (same rules and warnings).
// Throws DataError when the folder holds no image file.
ImageFiles list_image_folder(const std::string& root, const std::vector<std::string>& class_names = {});
// The decoding half: decodes `files` in parallel; unusable files are skipped with a warning and counted (on top
// of files.skipped); none left is a DataError.
ImageSet decode_image_files(const ImageFiles& files, int64_t resolution, bool grayscale);
// Sub-folder names of `root` that hold at least one image, sorted (empty: a flat folder).
std::vector<std::string> folder_classes(const std::string& root);

// Channels and class count a config implies (without loading the data, except listing a folder).
int64_t image_channels(const Config& config);
int64_t image_num_classes(const Config& config);  // 0 when unconditional
std::string dataset_tag(const Config& config);     // "fashion_mnist" or the folder's name, for file names/metrics

// uint8 [N, C, R, R] -> float [-1, 1].
at::Tensor to_model_range(const at::Tensor& images_u8);

class ImageDataset : public Dataset {
 public:
  ImageDataset(std::shared_ptr<const ImageSet> set, at::Tensor rows, bool conditional, bool hflip, uint64_t seed);
  int64_t size() const override { return rows_.size(0); }
  Batch get(const at::Tensor& indices) const override;
  void begin_step(int64_t stage, int64_t step) const override { flips_.begin_step(stage, step); }

 private:
  std::shared_ptr<const ImageSet> set_;
  at::Tensor rows_;  // which images of the set (a subset for data.n_train)
  bool conditional_, hflip_;
  mutable RandomFlips flips_;
};

}  // namespace disco::image
