// Reading whole input files with the checks every reader shares: the file exists, is not empty and is
// text (not binary). The errors are one line, start with the file name, and are DataError (exit code 2).
#pragma once
#include <string>

namespace disco::docking {

// Reads `path` into memory. Throws DataError "PATH: cannot open ..." / "PATH: empty file" /
// "PATH: binary data at byte N, not a text file" (`what` names the expected format in the last message).
std::string read_text_file(const std::string& path, const std::string& what);
// The same checks on text already in memory (`name` is used in the messages).
void check_text(const std::string& text, const std::string& name, const std::string& what);

// The file name's extension, lower case, without the dot ("sdf"); for "x.sdf.gz" it is "gz".
std::string extension_of(const std::string& path);
// The file's name without directories.
std::string file_name(const std::string& path);

}  // namespace disco::docking
