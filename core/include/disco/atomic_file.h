// Write-then-rename helpers (for plugins too). A reader never sees a half-written file, and a failed write leaves
// the previous file intact.
#pragma once
#include <functional>
#include <string>

namespace disco {

// Calls write(tmp_path), fsyncs the temp file, renames it over `path` and fsyncs the directory.
// Throws RuntimeError naming `path` when any step fails (the temp file is removed).
void write_atomically(const std::string& path, const std::function<void(const std::string& tmp_path)>& write);
// Writes `text` (any bytes) to `path` atomically; the error names the path and the system's reason.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace disco
