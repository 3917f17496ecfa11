// Fuzz target: arbitrary bytes as a toy2d point CSV (`data.name = "csv"`). Accepted, or rejected with a
// disco::Error; anything else is a bug.
#include <cstdint>

#include "csv_points.h"
#include "disco/error.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& path = disco::fuzz::write_input(data, size, ".csv");
  try {
    (void)disco::toy2d::read_points_csv(path);
  } catch (const disco::Error&) {
  }
  return 0;
}
