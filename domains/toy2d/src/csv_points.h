// Reading and writing 2-D point sets as CSV (target samples in, generated samples out).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "metrics.h"

namespace disco::toy2d {

// Reads "x,y" rows. Blank lines and lines starting with '#' are skipped; a first row with no numeric
// field is a header and skipped. Extra columns are allowed when every row has the same field count;
// columns 0 and 1 are used. Fields may carry surrounding spaces. Throws disco::DataError:
//   "cannot read 'PATH': REASON"                       file missing or unreadable
//   "PATH:LINE: expected 2 numbers, got 'TEXT'"         too few fields, or x/y not numbers
//   "PATH:LINE: row has 3 fields, expected 2"           field count differs from the first row
//   "PATH:LINE: non-finite value in 'TEXT'"             nan / inf
//   "PATH: no points"                                   nothing but header, comments, blanks
std::vector<Point> read_points_csv(const std::string& path);

// Writes "x,y,latent" (header included) with round-trip precision; the latent column is blank when
// `latents` is empty, else it must match pts in length (std::invalid_argument otherwise). Atomic:
// writes PATH.tmp then renames. Throws disco::RuntimeError naming the path on I/O failure.
void write_points_csv(const std::string& path, const std::vector<Point>& pts, const std::vector<int64_t>& latents);

}  // namespace disco::toy2d
