// disco inspect RUN_DIR: what a run's newest checkpoint holds, with a digest of each module's weights.
// Two runs with equal digests have bit-identical weights. The checkpoint file itself is no such witness:
// LibTorch 1.13 keys optimizer state by tensor address, so identical runs write different bytes.
#include <torch/nn/module.h>

#include <cinttypes>
#include <cstdio>
#include <string>

#include "commands.h"
#include "disco/error.h"
#include "run_dir.h"

namespace disco::cli {
namespace {

// FNV-1a (64-bit) over every parameter and buffer in name order: name, dtype, shape, then the raw bytes.
uint64_t weights_digest(const torch::nn::Module& m, int64_t* count) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  *count = 0;
  auto add = [&](const std::string& name, const at::Tensor& t) {
    mix(name.data(), name.size());
    const auto dtype = std::string(c10::toString(t.scalar_type()));
    mix(dtype.data(), dtype.size());
    for (const auto d : t.sizes()) mix(&d, sizeof d);
    const auto c = t.detach().to(at::kCPU).contiguous();
    mix(c.data_ptr(), size_t(c.numel()) * c.element_size());
  };
  for (const auto& p : m.named_parameters()) {
    add(p.key(), p.value());
    *count += p.value().numel();
  }
  for (const auto& b : m.named_buffers()) add(b.key(), b.value());
  return h;
}

}  // namespace

int run_inspect(Session& s, const std::string& run_dir) {
  OpenedRun run = open_run(s, run_dir);
  std::printf("run         %s\ndomain      %s\ncheckpoint  %s\nlatents     m=%lld k=%lld\n", run.dir.c_str(),
              run.domain->name().c_str(), run.checkpoint.c_str(), static_cast<long long>(run.model.m),
              static_cast<long long>(run.model.k));
  std::printf("%-10s %12s  %s\n", "module", "parameters", "weights digest (FNV-1a 64 of names, shapes, bytes)");
  auto row = [](const char* name, const torch::nn::Module* m) {
    if (!m) return;
    int64_t count = 0;
    const uint64_t digest = weights_digest(*m, &count);
    std::printf("%-11s %12lld  %016" PRIx64 "\n", name, static_cast<long long>(count), digest);
  };
  row("denoiser", run.model.denoiser.get());
  row("ema", run.model.ema.get());
  row("encoder", run.model.encoder.get());
  row("ema_encoder", run.model.ema_encoder.get());
  row("prior", run.model.prior.get());
  return kExitOk;
}

}  // namespace disco::cli
