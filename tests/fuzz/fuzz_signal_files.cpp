// Fuzz target: arbitrary bytes as a signal1d .npy file and as a signal CSV. Accepted, or rejected with a
// disco::Error; anything else (a LibTorch error included) is a bug.
#include <ATen/ATen.h>

#include <cstdint>

#include "disco/error.h"
#include "fuzz_input.h"
#include "signal_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& npy = disco::fuzz::write_input(data, size, ".npy");
  try {
    (void)disco::signal1d::read_signals_npy(npy);
  } catch (const disco::Error&) {
  }
  try {
    (void)disco::signal1d::read_signals_csv(npy);
  } catch (const disco::Error&) {
  }
  return 0;
}
