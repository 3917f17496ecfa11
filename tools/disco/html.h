// Text into the HTML of `disco report` (the page and its docking views).
#pragma once
#include <string>

namespace disco::cli {

// Escapes &, <, > and " so that any text can stand in an element or a quoted attribute.
std::string html_escape(const std::string& text);

}  // namespace disco::cli
