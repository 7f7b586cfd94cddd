#pragma once

#include <string>
#include <vector>

namespace rexray {

// Where a file that ships with rexray (below the install prefix, e.g.
// "lib/rexray/plugins") is looked for, in order: the configured install
// prefix, then the prefix this binary runs from (bin/..), so that a build
// tree, a relocated install and `dpkg --root` all find their own files.
std::vector<std::string> installLocations(const std::string &belowPrefix);

} // namespace rexray
