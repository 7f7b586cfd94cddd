#pragma once

#include <rexray/sdk/values.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rexray {

// The one reading of each kind of configuration or option value, shared by the
// config model, driver schemas and create options. Each returns nullopt for
// text that is not of its kind; callers word the error for their context.

// Bool, int and duration are the SDK's own reading (rexray/sdk/values.hpp), so
// that a plugin reading its values agrees with the host that judged them.
using sdk::values::parseBool;
using sdk::values::parseDurationMs;
using sdk::values::parseInt;
// A file mode in octal ("0700", "700", "0o700"), or its decimal value (448).
std::optional<uint32_t> parseFileMode(const std::string &text);
// A list written as one string (env, flags): blank-separated words.
std::vector<std::string> parseList(const std::string &text);

} // namespace rexray
