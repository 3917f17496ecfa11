#include "disco/host/checkpoint.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/serialize/archive.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>
#include <zlib.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "disco/atomic_file.h"
#include "disco/error.h"
#include "disco/host/ema.h"
#include "disco/read_file.h"

namespace fs = std::filesystem;

namespace disco {

namespace {

int64_t count_parameters(torch::nn::Module* m) {
  int64_t n = 0;
  if (m)
    for (const auto& p : m->parameters()) n += p.numel();
  return n;
}

// A short description of the architecture, compared on load so that a checkpoint of another model says so.
std::string architecture(Model& model) {
  return "denoiser " + std::to_string(count_parameters(model.denoiser.get())) + " params, encoder " +
         std::to_string(count_parameters(model.encoder.get())) + " params, prior " +
         std::to_string(count_parameters(model.prior.get())) + " params, m=" + std::to_string(model.m) +
         " k=" + std::to_string(model.k);
}

void save_module(torch::serialize::OutputArchive& archive, const std::string& key, torch::nn::Module* m) {
  if (!m) return;
  torch::serialize::OutputArchive sub;
  m->save(sub);
  archive.write(key, sub);
}

void load_module(torch::serialize::InputArchive& archive, const std::string& key, torch::nn::Module* m) {
  if (!m) return;
  torch::serialize::InputArchive sub;
  archive.read(key, sub);
  m->load(sub);
}

// File layout: the LibTorch archive, then a 24-byte trailer: magic, payload length and CRC-32 of the payload.
// The archive's own zip CRCs are not checked by LibTorch's reader, so a flipped bit in a weight would load
// silently; the trailer catches it, and truncation too.
constexpr char kMagic[8] = {'D', 'I', 'S', 'C', 'O', 'C', 'K', '1'};
constexpr size_t kTrailerSize = 24;

std::string trailer_for(const std::string& payload) {
  std::string t(kMagic, sizeof kMagic);
  uint64_t size = payload.size();
  uint64_t crc = crc32(0L, reinterpret_cast<const Bytef*>(payload.data()), uInt(0));
  for (size_t off = 0; off < payload.size(); off += (1u << 30)) {  // zlib takes uInt lengths
    const size_t n = std::min<size_t>(payload.size() - off, 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(payload.data() + off), uInt(n));
  }
  for (int i = 0; i < 8; ++i) t += char((size >> (8 * i)) & 0xff);
  for (int i = 0; i < 8; ++i) t += char((crc >> (8 * i)) & 0xff);
  return t;
}

std::string verified_payload(const std::string& path) {
  std::string why;
  const auto read = read_file_if_possible(path, &why);
  if (!read) throw DataError("cannot read checkpoint '" + path + "': " + why);
  const std::string& bytes = *read;
  if (bytes.size() < kTrailerSize || bytes.compare(bytes.size() - kTrailerSize, 8, kMagic, 8) != 0)
    throw DataError("cannot read checkpoint '" + path + "': not a disco checkpoint, or truncated");
  const std::string payload = bytes.substr(0, bytes.size() - kTrailerSize);
  if (trailer_for(payload) != bytes.substr(bytes.size() - kTrailerSize))
    throw DataError("cannot read checkpoint '" + path + "': checksum mismatch (the file is corrupt)");
  return payload;
}

}  // namespace

void save_checkpoint(const std::string& path, const std::string& domain, const TrainState& state, Model& model,
                     torch::optim::Optimizer* opt1, torch::optim::Optimizer* opt2, const at::Generator& generator) {
  torch::serialize::OutputArchive archive;
  archive.write("meta_domain", c10::IValue(domain));
  archive.write("meta_architecture", c10::IValue(architecture(model)));
  archive.write("meta_stage", c10::IValue(state.stage));
  archive.write("meta_step", c10::IValue(state.step));
  archive.write("meta_stage1_steps", c10::IValue(state.stage == 1 ? state.step : state.stage1_steps));
  archive.write("rng_state", generator.get_state(), /*is_buffer=*/true);
  // Modules draw dropout masks from the global generator, so it is part of the state too.
  archive.write("rng_global_state", at::detail::getDefaultCPUGenerator().get_state(), /*is_buffer=*/true);
  save_module(archive, "denoiser", model.denoiser.get());
  save_module(archive, "ema", model.ema.get());
  save_module(archive, "encoder", model.encoder.get());
  save_module(archive, "ema_encoder", model.ema_encoder.get());
  save_module(archive, "prior", model.prior.get());
  if (opt1) {
    torch::serialize::OutputArchive sub;
    opt1->save(sub);
    archive.write("optimizer_stage1", sub);
  }
  if (opt2) {
    torch::serialize::OutputArchive sub;
    opt2->save(sub);
    archive.write("optimizer_stage2", sub);
  }
  std::ostringstream payload;
  try {
    archive.save_to(payload);
  } catch (const c10::Error& e) {
    throw RuntimeError("cannot write checkpoint '" + path + "': " + e.what_without_backtrace());
  }
  const std::string bytes = payload.str() + trailer_for(payload.str());
  write_text_atomically(path, bytes);
}

CheckpointContents load_checkpoint(const std::string& path, const std::string& expected_domain, Model& model,
                                   torch::optim::Optimizer* opt1, torch::optim::Optimizer* opt2,
                                   at::Generator* generator) {
  CheckpointContents out;
  torch::serialize::InputArchive archive;
  std::istringstream payload(verified_payload(path));
  try {
    archive.load_from(payload);
  } catch (const c10::Error& e) {
    throw DataError("cannot read checkpoint '" + path + "': not a disco checkpoint, or corrupt");
  }
  c10::IValue v;
  try {
    archive.read("meta_domain", v);
    out.domain = v.toStringRef();
    archive.read("meta_stage", v);
    out.state.stage = v.toInt();
    archive.read("meta_step", v);
    out.state.step = v.toInt();
    if (out.state.stage == 1)
      out.state.stage1_steps = out.state.step;
    else if (archive.try_read("meta_stage1_steps", v))
      out.state.stage1_steps = v.toInt();
  } catch (const c10::Error&) {
    throw DataError("checkpoint '" + path + "' has no disco metadata (not a disco checkpoint)");
  }
  if (out.domain != expected_domain)
    throw DataError("checkpoint '" + path + "' is for domain '" + out.domain + "', but this run is domain '" +
                    expected_domain + "'");
  std::string saved_arch;
  try {
    archive.read("meta_architecture", v);
    saved_arch = v.toStringRef();
  } catch (const c10::Error&) {
    throw DataError("checkpoint '" + path + "' has no architecture record (not a disco checkpoint, or corrupt)");
  }
  const std::string this_arch = architecture(model);
  if (saved_arch != this_arch)
    throw DataError("checkpoint '" + path + "' has another architecture (checkpoint: " + saved_arch +
                    "; this config: " + this_arch + ")");
  try {
    load_module(archive, "denoiser", model.denoiser.get());
    load_module(archive, "ema", model.ema.get());
    load_module(archive, "encoder", model.encoder.get());
    if (model.ema_encoder) {
      torch::serialize::InputArchive sub;
      if (archive.try_read("ema_encoder", sub)) {
        model.ema_encoder->load(sub);
      } else {
        copy_weights(*model.ema_encoder, *model.encoder);
        out.ema_encoder_from_encoder = true;
      }
    }
    load_module(archive, "prior", model.prior.get());
    if (opt1) {
      torch::serialize::InputArchive sub;
      if (archive.try_read("optimizer_stage1", sub)) opt1->load(sub);
    }
    if (opt2) {
      torch::serialize::InputArchive sub;
      if (archive.try_read("optimizer_stage2", sub)) opt2->load(sub);
    }
    if (generator) {
      at::Tensor state;
      archive.read("rng_state", state, /*is_buffer=*/true);
      generator->set_state(state);
      archive.read("rng_global_state", state, /*is_buffer=*/true);
      at::Generator global = at::detail::getDefaultCPUGenerator();  // a handle to the same generator
      global.set_state(state);
    }
  } catch (const c10::Error& e) {
    throw DataError("checkpoint '" + path + "' does not match this model: " + e.what_without_backtrace());
  }
  return out;
}

void save_module_file(const std::string& path, const std::string& kind, torch::nn::Module& module) {
  torch::serialize::OutputArchive archive;
  archive.write("meta_kind", c10::IValue(kind));
  archive.write("meta_parameters", c10::IValue(count_parameters(&module)));
  save_module(archive, "module", &module);
  std::ostringstream payload;
  try {
    archive.save_to(payload);
  } catch (const c10::Error& e) {
    throw RuntimeError("cannot write '" + path + "': " + e.what_without_backtrace());
  }
  write_text_atomically(path, payload.str() + trailer_for(payload.str()));
}

void load_module_file(const std::string& path, const std::string& kind, torch::nn::Module& module) {
  torch::serialize::InputArchive archive;
  std::istringstream payload(verified_payload(path));
  c10::IValue v;
  std::string saved_kind;
  int64_t saved_parameters = 0;
  try {
    archive.load_from(payload);
    archive.read("meta_kind", v);
    saved_kind = v.toStringRef();
    archive.read("meta_parameters", v);
    saved_parameters = v.toInt();
  } catch (const c10::Error&) {
    throw DataError("cannot read '" + path + "': not a disco weights file, or corrupt");
  }
  if (saved_kind != kind) throw DataError("'" + path + "' holds a " + saved_kind + " network, not a " + kind + " network");
  if (saved_parameters != count_parameters(&module))
    throw DataError("'" + path + "' has another architecture (file: " + std::to_string(saved_parameters) +
                    " parameters; this config: " + std::to_string(count_parameters(&module)) + ")");
  try {
    load_module(archive, "module", &module);
  } catch (const c10::Error& e) {
    throw DataError("'" + path + "' does not match this " + kind + " network: " + e.what_without_backtrace());
  }
}

std::string checkpoint_name(const TrainState& state) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "ckpt-s%lld-%09lld.pt", (long long)state.stage, (long long)state.step);
  return buf;
}

std::vector<std::string> list_checkpoints(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::is_directory(dir)) return out;
  static const std::regex pattern(R"(ckpt-s\d+-\d{9}\.pt)");
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && std::regex_match(entry.path().filename().string(), pattern))
      out.push_back(entry.path().string());
  std::sort(out.begin(), out.end());  // the zero-padded name sorts by (stage, step)
  return out;
}

void remove_checkpoints_after(const std::string& dir, const TrainState& state) {
  const std::string name = checkpoint_name(state);
  for (const auto& path : list_checkpoints(dir))
    if (fs::path(path).filename().string() > name) fs::remove(path);
}

void prune_checkpoints(const std::string& dir, int64_t keep) {
  auto all = list_checkpoints(dir);
  for (int64_t i = 0; i + keep < int64_t(all.size()); ++i) fs::remove(all[i]);
}

}  // namespace disco
