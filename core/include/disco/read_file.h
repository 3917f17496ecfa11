// Reading a whole file into memory, the counterpart of atomic_file.h (for plugins too).
#pragma once
#include <optional>
#include <string>

namespace disco {

// The file's bytes, or std::nullopt when it cannot be read; then `*why` (when given) holds the reason:
// "is a directory", the system's reason for a failed open (e.g. "No such file or directory"), or "read error".
// Callers that fail word the error themselves, with the file's role ("cannot read config file 'x': why").
std::optional<std::string> read_file_if_possible(const std::string& path, std::string* why = nullptr);
// The file's bytes; throws DataError "cannot read 'PATH': REASON" when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace disco
