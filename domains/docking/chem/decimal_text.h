// A number as decimal text with a fixed count of digits after the point ("%.*f"): CSV cells, SDF properties
// and log lines.
#pragma once
#include <cstdio>
#include <string>

namespace disco::docking {

inline std::string fixed(double value, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, value);
  return buf;
}

}  // namespace disco::docking
