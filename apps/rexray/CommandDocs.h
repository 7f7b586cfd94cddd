#pragma once

#include "CommandLine.h"

#include <string>

namespace rexray::cli {

// The man page and the shell completions, rendered from the command table
// (the same one --help reads), so none of them can disagree with the parser.
// The build writes them by running `rexray __man` and `rexray completion
// bash|zsh` (apps/rexray/CMakeLists.txt).
std::string manPage(const CommandLine &cli);
std::string bashCompletion(const CommandLine &cli);
std::string zshCompletion(const CommandLine &cli);

} // namespace rexray::cli
