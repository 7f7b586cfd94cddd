#pragma once

#include <cstddef>
#include <string>

namespace rexray {

// Docker's own rule for volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most
// 255 bytes. Everything a name later becomes (a mount directory, a backend
// tag, a socket name) is safe once this holds: no '/', no "..", no NUL.
constexpr std::size_t kMaxNameLength = 255;
bool isValidName(const std::string &name);

// The rule with the one message every front end shows (Docker, the control
// API, the CLI): throws Error(Invalid) naming the problem; `what` is
// "volume name", "snapshot name".
void validateName(const std::string &name, const std::string &what = "volume name");

std::string toLower(std::string s);

} // namespace rexray
