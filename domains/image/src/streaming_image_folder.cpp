#include "streaming_image_folder.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cstdio>

#include "disco/error.h"
#include "image_decode.h"

namespace disco::image {

namespace {

bool same_indices(const at::Tensor& a, const at::Tensor& b) {
  return a.defined() && b.defined() && a.sizes() == b.sizes() && at::equal(a, b);
}

at::Tensor as_cpu_indices(const at::Tensor& indices) {
  return indices.to(at::kCPU).to(at::kLong).contiguous().clone();
}

}  // namespace

StreamingImageFolder::StreamingImageFolder(std::shared_ptr<const ImageFiles> files, at::Tensor rows, int64_t resolution,
                                           bool grayscale, bool conditional, bool hflip, uint64_t seed)
    : files_(std::move(files)), rows_(rows.to(at::kLong).contiguous()), labels_(at::tensor(files_->labels, at::kLong)),
      resolution_(resolution), grayscale_(grayscale), conditional_(conditional), hflip_(hflip),
      flips_(seed) {
  if (conditional_ && !files_->labelled)
    throw ConfigError("data.conditional = true, but the images have no class labels (a flat folder)");
  if (rows_.size(0) == 0) throw DataError(files_->root + ": no PNG or JPEG images found");
}

StreamingImageFolder::~StreamingImageFolder() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    waiting_ = at::Tensor();
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

int64_t StreamingImageFolder::skipped() const {
  std::lock_guard<std::mutex> lock(bad_mutex_);
  return int64_t(bad_files_.size());
}

std::optional<StreamingImageFolder::Decoded> StreamingImageFolder::decode_batch(const at::Tensor& indices) const {
  const int64_t n = rows_.size(0), b = indices.size(0);
  const int64_t* index = indices.data_ptr<int64_t>();
  const int64_t* row = rows_.data_ptr<int64_t>();
  Decoded out{at::empty({b, grayscale_ ? 1 : 3, resolution_, resolution_}, at::kByte), at::empty({b}, at::kLong)};
  auto* out_file = out.files.data_ptr<int64_t>();
  for (int64_t i = 0; i < b; ++i) {
    if (index[i] < 0 || index[i] >= n)
      throw DataError(files_->root + ": index " + std::to_string(index[i]) + " is outside the " + std::to_string(n) +
                      " images of the dataset");
    // An undecodable file is replaced by the next decodable one in dataset order (wrapping), so the batch keeps
    // its size and stays inside this split.
    bool found = false;
    for (int64_t step = 0; step < n && !found; ++step) {
      if (stop_) return std::nullopt;
      const int64_t file = row[(index[i] + step) % n];
      {
        std::lock_guard<std::mutex> lock(bad_mutex_);
        if (bad_files_.count(file)) continue;
      }
      std::string why;
      auto image = decode_image(files_->paths[size_t(file)], resolution_, grayscale_, why);
      if (image.defined()) {
        out.images[i].copy_(image);
        out_file[i] = file;
        found = true;
      } else {
        std::lock_guard<std::mutex> lock(bad_mutex_);
        if (bad_files_.insert(file).second)
          std::fprintf(stderr, "warning: %s: cannot use this image (%s); skipped, the next image takes its place\n",
                       files_->paths[size_t(file)].c_str(), why.c_str());
      }
    }
    if (!found)
      throw DataError(files_->root + ": none of the " + std::to_string(n) +
                      " images could be used (see the warnings above)");
  }
  return out;
}

void StreamingImageFolder::worker_loop() const {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || waiting_.defined(); });
    if (stop_) return;
    running_ = waiting_;
    waiting_ = at::Tensor();
    const at::Tensor key = running_;
    lock.unlock();
    std::optional<Decoded> result;
    std::exception_ptr error;
    try {
      result = decode_batch(key);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    running_ = at::Tensor();
    if (result || error) {
      ready_key_ = key;
      ready_ = std::move(result);
      ready_error_ = error;
    }
    cv_.notify_all();
  }
}

void StreamingImageFolder::prefetch(const at::Tensor& indices) const {
  auto key = as_cpu_indices(indices);
  std::lock_guard<std::mutex> lock(mutex_);
  if (same_indices(key, running_) || same_indices(key, ready_key_)) return;
  if (!worker_.joinable()) worker_ = std::thread([this] { worker_loop(); });
  waiting_ = key;  // a request not yet started is replaced: only the newest one is wanted
  cv_.notify_all();
}

Batch StreamingImageFolder::get(const at::Tensor& indices) const {
  const auto key = as_cpu_indices(indices);
  std::optional<Decoded> batch;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (same_indices(key, waiting_)) {
      waiting_ = at::Tensor();  // not started yet: decode it here rather than wait behind another batch
    } else {
      cv_.wait(lock, [&] { return !same_indices(key, running_); });
      if (same_indices(key, ready_key_)) {
        ready_key_ = at::Tensor();
        if (ready_error_) {
          auto error = ready_error_;
          ready_error_ = nullptr;
          std::rethrow_exception(error);
        }
        batch = std::move(ready_);
        ready_.reset();
      }
    }
  }
  if (!batch) batch = decode_batch(key);  // stop_ is raised only by the destructor, so this decodes
  // From here on exactly as ImageDataset::get: the same range, the same flips from the same generator.
  Batch b;
  b.size = key.size(0);
  auto x = to_model_range(batch->images);
  b.tensors["x"] = hflip_ ? flips_.apply(x) : x;
  if (conditional_) b.tensors["label"] = labels_.index_select(0, batch->files);
  return b;
}

}  // namespace disco::image
