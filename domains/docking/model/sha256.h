// SHA-256 (FIPS 180-4) of a file, to check shipped weights against their SHA256SUMS (shipped_model.h).
#pragma once
#include <string>

namespace disco::docking {

// The lower-case hex digest of the file's bytes. Throws DataError when the file cannot be read.
std::string sha256_file(const std::string& path);

// The same of a string (for tests against the standard's examples).
std::string sha256_hex(const std::string& bytes);

}  // namespace disco::docking
