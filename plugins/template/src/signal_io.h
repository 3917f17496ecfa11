// Reading and writing 1-D signals: CSV (one signal per row) and NumPy .npy (a 2-D float array).
#pragma once
#include <ATen/core/Tensor.h>

#include <string>

namespace disco::signal1d {

// Reads one signal per row. Blank lines and lines starting with '#' are skipped. A first row with a
// non-numeric field is a header; header columns named "latent..." are dropped (so a file written by
// write_signals_csv reads back as data). Every row must have the same number of fields.
// Returns [N, L] float32. Throws disco::DataError:
//   "cannot read 'PATH': REASON"                  file missing or unreadable
//   "PATH:LINE: field 3 is not a number: 'abc'"   a value is not a number
//   "PATH:LINE: non-finite value in field 3"      nan / inf
//   "PATH:LINE: row has 63 values, expected 64"   length differs from the first row
//   "PATH: no signals"                            nothing but header, comments and blanks
at::Tensor read_signals_csv(const std::string& path);

// Reads a NumPy .npy file holding a little-endian float32/float64 array of shape (N, L) (or (L,) for one
// signal), C or Fortran order. Returns [N, L] float32. Throws disco::DataError naming the path and what is
// unsupported (dtype, rank, a truncated file).
at::Tensor read_signals_npy(const std::string& path);

// Writes signals [N, L] as CSV with header "x0,...,x{L-1},latent" and round-trip precision. `latents` is
// [N, m] int64 or undefined (the baseline: blank latent column); for m > 1 the codes are joined by ' '.
// Atomic (temp file + rename); throws disco::RuntimeError naming the path on I/O failure.
void write_signals_csv(const std::string& path, const at::Tensor& signals, const at::Tensor& latents);

}  // namespace disco::signal1d
