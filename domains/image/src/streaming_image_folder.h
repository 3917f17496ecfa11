// A folder of images decoded batch by batch (data.stream = true), for folders too big to decode at startup
// (ImageNet: 1.28M files). Only the file list is held in memory. get() decodes the batch it is asked for;
// prefetch() hands the next batch to one background thread, so that with the epoch sampler (which knows the
// next step's indices) the decoding overlaps the model's step and get() finds the batch ready.
//
// The batches equal ImageDataset's for the same images: same decoding, same [-1, 1] range, same flips drawn
// from the same generator in get() (never in the background thread, so the random stream does not depend on
// timing or on whether prefetch was called).
#pragma once
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "datasets.h"
#include "disco/domain.h"

namespace disco::image {

class StreamingImageFolder : public Dataset {
 public:
  // rows: which files of `files` form the dataset (all, or a subset for data.n_train), in dataset order.
  StreamingImageFolder(std::shared_ptr<const ImageFiles> files, at::Tensor rows, int64_t resolution, bool grayscale,
                       bool conditional, bool hflip, uint64_t seed);
  // Stops the background thread; a batch it is decoding is abandoned between two images.
  ~StreamingImageFolder() override;

  int64_t size() const override { return rows_.size(0); }
  Batch get(const at::Tensor& indices) const override;
  void begin_step(int64_t stage, int64_t step) const override { flips_.begin_step(stage, step); }
  void prefetch(const at::Tensor& indices) const override;

  // Files found undecodable so far (each warned about once); they are replaced in batches by the next decodable
  // image of the dataset, so a batch keeps its size.
  int64_t skipped() const;

 private:
  struct Decoded {
    at::Tensor images;  // [B, C, R, R] uint8
    at::Tensor files;   // [B] int64: the file each image came from (after replacing undecodable ones)
  };
  // Decodes the dataset rows `indices`; returns nullopt when `stop_` was raised meanwhile.
  std::optional<Decoded> decode_batch(const at::Tensor& indices) const;
  void worker_loop() const;

  std::shared_ptr<const ImageFiles> files_;
  at::Tensor rows_;    // [N] int64, contiguous
  at::Tensor labels_;  // [files] int64: files_->labels as a tensor
  int64_t resolution_;
  bool grayscale_, conditional_, hflip_;
  mutable RandomFlips flips_;  // drawn in get() only

  mutable std::mutex bad_mutex_;
  mutable std::set<int64_t> bad_files_;  // indices into files_->paths

  // The background decoder: at most one request waiting (a newer prefetch replaces it), one running, one result.
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  mutable std::thread worker_;                 // started by the first prefetch()
  mutable std::atomic<bool> stop_{false};
  mutable at::Tensor waiting_, running_;       // dataset indices (undefined = none)
  mutable at::Tensor ready_key_;               // the indices of ready_ / ready_error_
  mutable std::optional<Decoded> ready_;
  mutable std::exception_ptr ready_error_;
};

}  // namespace disco::image
