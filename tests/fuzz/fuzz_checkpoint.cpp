// Fuzz target: arbitrary bytes as a training checkpoint, loaded into a small model with an Adam optimizer and a
// generator, as `--resume` does. Accepted, or rejected with a disco::Error; anything else is a bug.
//
// The CRC-32 trailer rejects every mutation of a real checkpoint before LibTorch sees it, so by default this
// fuzzes the trailer checks (truncation, a wrong length or magic, flipped bits). With DISCO_FUZZ_FORGE_TRAILER=1
// each input is also loaded with a valid trailer recomputed over its payload, which fuzzes LibTorch's archive
// reader behind it. That finds crashes inside LibTorch (it compiles the TorchScript source stored in the
// archive: see tests/fuzz/README.md), reachable only by a file forged to match its CRC: a checkpoint is
// trusted input, as a torch.load file is.
//
// Seed: DISCO_FUZZ_CHECKPOINT_SEED=FILE fuzz_checkpoint_replay ANY_INPUT writes a valid checkpoint of this
// model to FILE (tests/fuzz/corpus/checkpoint/tiny_model.pt was made so).
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "disco/host/checkpoint.h"
#include "disco/error.h"
#include "fuzz_input.h"

namespace {

class TinyDenoiser : public disco::Denoiser {
 public:
  TinyDenoiser() : net(register_module("net", torch::nn::Linear(3, 2))) {}
  at::Tensor denoise(const disco::Batch& noisy, const at::Tensor&, const disco::Latents&) override {
    return net->forward(noisy.at("x"));
  }
  torch::nn::Linear net;
};

struct Fixture {
  disco::Model model;
  std::unique_ptr<torch::optim::Adam> optimizer;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(7);
  Fixture() {
    model.denoiser = std::make_shared<TinyDenoiser>();
    model.ema = std::make_shared<TinyDenoiser>();
    optimizer = std::make_unique<torch::optim::Adam>(model.denoiser->parameters(), torch::optim::AdamOptions(1e-3));
  }
};

// The 24-byte trailer checkpoint.cpp appends: "DISCOCK1", payload length and CRC-32, both little-endian u64.
std::string with_trailer(const std::string& payload) {
  std::string out = payload + "DISCOCK1";
  const uint64_t size = payload.size();
  const uint64_t crc = crc32(crc32(0L, nullptr, 0), reinterpret_cast<const Bytef*>(payload.data()), uInt(payload.size()));
  for (int i = 0; i < 8; ++i) out += char((size >> (8 * i)) & 0xff);
  for (int i = 0; i < 8; ++i) out += char((crc >> (8 * i)) & 0xff);
  return out;
}

void load(Fixture& f, const std::string& bytes) {
  const auto& path = disco::fuzz::write_input(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), ".pt");
  try {
    (void)disco::load_checkpoint(path, "fuzz", f.model, f.optimizer.get(), nullptr, &f.generator);
  } catch (const disco::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  if (const char* seed = std::getenv("DISCO_FUZZ_CHECKPOINT_SEED")) {
    for (auto& p : fixture.model.denoiser->parameters()) p.mutable_grad() = at::ones_like(p);
    fixture.optimizer->step();  // so that the optimizer state holds tensors too
    disco::save_checkpoint(seed, "fuzz", disco::TrainState{1, 3}, fixture.model, fixture.optimizer.get(), nullptr,
                           fixture.generator);
    std::exit(0);
  }
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  load(fixture, bytes);
  static const bool forge = std::getenv("DISCO_FUZZ_FORGE_TRAILER") != nullptr;
  if (!forge) return 0;
  const bool has_trailer = size >= 24 && bytes.compare(size - 24, 8, "DISCOCK1") == 0;
  load(fixture, with_trailer(has_trailer ? bytes.substr(0, size - 24) : bytes));
  return 0;
}
