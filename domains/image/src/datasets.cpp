#include "datasets.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>

#include "disco/error.h"
#include "idx.h"
#include "image_decode.h"

namespace fs = std::filesystem;

namespace disco::image {

const char* const kFashionMnistClassNames[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

namespace {

bool has_image(const fs::path& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; it != end;
       it.increment(ec))
    if (!ec && it->is_regular_file() && is_image_file(it->path().string())) return true;
  return false;
}

// One folder without data.test_path: a fixed shuffle of its n images, the last test_fraction is the test split.
at::Tensor split_rows(int64_t n, double test_fraction, const std::string& split, const std::string& path) {
  const int64_t n_test = std::min<int64_t>(n - 1, int64_t(std::floor(double(n) * test_fraction)));
  auto perm = at::randperm(n, at::detail::createCPUGenerator(777));
  auto rows = split == "train" ? perm.narrow(0, 0, n - n_test) : perm.narrow(0, n - n_test, n_test);
  if (rows.size(0) == 0) throw DataError(path + ": the test split is empty; raise data.test_fraction or set data.test_path");
  return rows;
}

}  // namespace

at::Tensor to_model_range(const at::Tensor& images_u8) { return images_u8.to(at::kFloat).div(127.5).sub(1.0); }

ImageSet load_fashion_mnist(const std::string& dir, const std::string& split, int64_t resolution) {
  const std::string prefix = dir + "/" + (split == "train" ? "train" : "t10k");
  const IdxArray images = read_idx(prefix + "-images-idx3-ubyte.gz");
  const IdxArray labels = read_idx(prefix + "-labels-idx1-ubyte.gz");
  if (images.dims.size() != 3 || labels.dims.size() != 1 || images.dims[0] != labels.dims[0])
    throw DataError(prefix + "-images-idx3-ubyte.gz: expected [N, 28, 28] images with N labels");
  const int64_t n = images.dims[0], h = images.dims[1], w = images.dims[2];
  if (resolution < std::max(h, w))
    throw ConfigError("data.resolution (" + std::to_string(resolution) + ") must be at least " +
                      std::to_string(std::max(h, w)) + " for fashion_mnist (images are only padded, never cropped)");
  ImageSet set;
  auto raw = at::from_blob(const_cast<uint8_t*>(images.data.data()), {n, 1, h, w}, at::kByte);
  // Fashion-MNIST is white-on-black: pad with 0 (background).
  const int64_t top = (resolution - h) / 2, left = (resolution - w) / 2;
  set.images = at::constant_pad_nd(raw, {left, resolution - w - left, top, resolution - h - top}, 0).contiguous();
  set.labels = at::from_blob(const_cast<uint8_t*>(labels.data.data()), {n}, at::kByte).to(at::kLong);
  if (set.labels.max().item<int64_t>() >= kFashionMnistClasses) throw DataError(prefix + "-labels-idx1-ubyte.gz: label >= 10");
  set.num_classes = kFashionMnistClasses;
  for (const char* c : kFashionMnistClassNames) set.class_names.emplace_back(c);
  return set;
}

std::vector<std::string> folder_classes(const std::string& root) {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw DataError(root + ": image folder does not exist (data.path)");
  for (const auto& e : fs::directory_iterator(root, ec))
    if (e.is_directory() && has_image(e.path())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

ImageFiles list_image_folder(const std::string& root, const std::vector<std::string>& class_names_in) {
  ImageFiles files;
  files.root = root;
  const auto subfolders = folder_classes(root);
  files.labelled = !subfolders.empty();
  files.class_names = class_names_in.empty() ? subfolders : class_names_in;
  std::map<std::string, int64_t> class_index;
  for (size_t i = 0; i < files.class_names.size(); ++i) class_index[files.class_names[i]] = int64_t(i);
  // (file, label) in a fixed order: sorted paths.
  std::vector<std::pair<std::string, int64_t>> found_files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end; it != end;
       it.increment(ec)) {
    if (ec || !it->is_regular_file() || !is_image_file(it->path().string())) continue;
    int64_t label = -1;
    if (files.labelled) {
      const auto rel = fs::relative(it->path(), root, ec);
      if (ec || std::distance(rel.begin(), rel.end()) < 2) continue;  // a loose file next to class folders
      auto found = class_index.find(rel.begin()->string());
      if (found == class_index.end()) {
        std::fprintf(stderr, "warning: %s: class folder '%s' is not among the training classes; skipped\n",
                     it->path().c_str(), rel.begin()->string().c_str());
        ++files.skipped;
        continue;
      }
      label = found->second;
    }
    found_files.emplace_back(it->path().string(), label);
  }
  std::sort(found_files.begin(), found_files.end());
  if (found_files.empty()) throw DataError(root + ": no PNG or JPEG images found");
  for (auto& [path, label] : found_files) {
    files.paths.push_back(std::move(path));
    files.labels.push_back(label);
  }
  return files;
}

ImageSet decode_image_files(const ImageFiles& files, int64_t resolution, bool grayscale) {
  ImageSet set;
  set.class_names = files.class_names;
  set.skipped = files.skipped;
  // Decode in parallel; a corrupt or degenerate file is skipped with a warning naming it.
  const int64_t c = grayscale ? 1 : 3;
  const size_t count = files.paths.size();
  std::vector<at::Tensor> decoded(count);
  std::vector<std::string> why(count);
  const size_t workers = std::max<size_t>(1, std::min<size_t>(std::thread::hardware_concurrency(), 16));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < workers; ++t)
    threads.emplace_back([&, t] {
      for (size_t i = t; i < count; i += workers) decoded[i] = decode_image(files.paths[i], resolution, grayscale, why[i]);
    });
  for (auto& th : threads) th.join();
  std::vector<at::Tensor> kept;
  std::vector<int64_t> labels;
  for (size_t i = 0; i < count; ++i) {
    if (!decoded[i].defined()) {
      std::fprintf(stderr, "warning: %s: cannot use this image (%s); skipped\n", files.paths[i].c_str(), why[i].c_str());
      ++set.skipped;
      continue;
    }
    kept.push_back(decoded[i]);
    labels.push_back(files.labels[i]);
  }
  if (kept.empty())
    throw DataError(files.root + ": none of the " + std::to_string(count) +
                    " images could be used (see the warnings above)");
  if (set.skipped > 0)
    std::fprintf(stderr, "warning: %s: %lld image(s) skipped, %zu loaded\n", files.root.c_str(), (long long)set.skipped,
                 kept.size());
  set.images = at::stack(kept).reshape({int64_t(kept.size()), c, resolution, resolution});
  if (files.labelled) {
    set.labels = at::tensor(labels, at::kLong);
    set.num_classes = int64_t(set.class_names.size());
  }
  return set;
}

ImageSet load_image_folder(const std::string& root, int64_t resolution, bool grayscale,
                           const std::vector<std::string>& class_names) {
  return decode_image_files(list_image_folder(root, class_names), resolution, grayscale);
}

int64_t image_channels(const Config& config) {
  return config.get_string("data.name") == "fashion_mnist" || config.get_bool("data.grayscale") ? 1 : 3;
}

int64_t image_num_classes(const Config& config) {
  if (!config.get_bool("data.conditional")) return 0;
  if (config.get_string("data.name") == "fashion_mnist") return kFashionMnistClasses;
  const auto names = folder_classes(config.get_string("data.path"));
  if (names.empty())
    throw ConfigError(config.where("data.conditional").str() + ": data.conditional = true needs one sub-folder per class in " +
                      config.get_string("data.path") + " (it is flat); set data.conditional = false");
  return int64_t(names.size());
}

std::string dataset_tag(const Config& config) {
  if (config.get_string("data.name") == "fashion_mnist") return "fashion_mnist";
  auto name = fs::path(config.get_string("data.path")).lexically_normal().filename().string();
  if (name.empty()) name = fs::path(config.get_string("data.path")).lexically_normal().parent_path().filename().string();
  return name.empty() ? "folder" : name;
}

ImageFiles image_files(const Config& config, const std::string& split) {
  const std::string path = config.get_string("data.path"), test_path = config.get_string("data.test_path");
  if (!test_path.empty())
    return split == "train" ? list_image_folder(path) : list_image_folder(test_path, folder_classes(path));
  ImageFiles all = list_image_folder(path);
  const auto rows = split_rows(int64_t(all.paths.size()), config.get_float("data.test_fraction"), split, path);
  ImageFiles part = all;
  part.paths.clear();
  part.labels.clear();
  const auto* r = rows.data_ptr<int64_t>();
  for (int64_t i = 0; i < rows.size(0); ++i) {
    part.paths.push_back(all.paths[size_t(r[i])]);
    part.labels.push_back(all.labels[size_t(r[i])]);
  }
  return part;
}

std::shared_ptr<const ImageSet> load_image_set(const Config& config, const std::string& split) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const ImageSet>> cache;
  const std::string name = config.get_string("data.name");
  const int64_t res = config.get_int("data.resolution");
  std::string path = config.get_string("data.path");
  if (name == "fashion_mnist" && path.empty()) path = kFashionMnistDir;
  const std::string test_path = config.get_string("data.test_path");
  const bool gray = config.get_bool("data.grayscale");
  const double test_fraction = config.get_float("data.test_fraction");
  const bool stream = name == "folder" && config.get_bool("data.stream");
  const std::string key = name + "|" + path + "|" + test_path + "|" + split + "|" + std::to_string(res) + "|" +
                          std::to_string(gray) + "|" + std::to_string(test_fraction) + "|" + std::to_string(stream);
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  ImageSet set;
  if (name == "fashion_mnist") {
    set = load_fashion_mnist(path, split, res);
  } else if (stream) {
    // The streaming training set splits the listed files (it cannot know which ones decode): so must this.
    set = decode_image_files(image_files(config, split), res, gray);
  } else if (!test_path.empty()) {
    set = split == "train" ? load_image_folder(path, res, gray)
                           : load_image_folder(test_path, res, gray, folder_classes(path));
  } else {
    // One folder: a fixed shuffle, the last test_fraction is the test split.
    ImageSet all = load_image_folder(path, res, gray);
    const auto rows = split_rows(all.images.size(0), test_fraction, split, path);
    set = all;
    set.images = all.images.index_select(0, rows);
    if (all.labels.defined()) set.labels = all.labels.index_select(0, rows);
  }
  auto shared = std::make_shared<const ImageSet>(std::move(set));
  cache[key] = shared;
  return shared;
}

ImageDataset::ImageDataset(std::shared_ptr<const ImageSet> set, at::Tensor rows, bool conditional, bool hflip, uint64_t seed)
    : set_(std::move(set)), rows_(std::move(rows)), conditional_(conditional), hflip_(hflip),
      flips_(seed) {
  if (conditional_ && !set_->labels.defined())
    throw ConfigError("data.conditional = true, but the images have no class labels (a flat folder)");
}

Batch ImageDataset::get(const at::Tensor& indices) const {
  auto rows = rows_.index_select(0, indices.to(at::kCPU).to(at::kLong));
  Batch b;
  b.size = indices.size(0);
  auto x = to_model_range(set_->images.index_select(0, rows));
  b.tensors["x"] = hflip_ ? flips_.apply(x) : x;
  if (conditional_) b.tensors["label"] = set_->labels.index_select(0, rows);
  return b;
}

}  // namespace disco::image
