#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rexray {

// The one reading of each kind of configuration or option value, shared by the
// config model, driver schemas and create options. Each returns nullopt for
// text that is not of its kind; callers word the error for their context.

// true/yes/on/1 and false/no/off/0, any case, surrounding blanks ignored.
std::optional<bool> parseBool(const std::string &text);
// A decimal integer with an optional sign.
std::optional<int64_t> parseInt(const std::string &text);
// Go-style durations restricted to h, m, s and ms (also compound: "1m30s",
// fractions: "1.5s"); a bare integer counts seconds, as REX-Ray 0.3 did.
std::optional<int64_t> parseDurationMs(const std::string &text);
// A file mode in octal ("0700", "700", "0o700"), or its decimal value (448).
std::optional<uint32_t> parseFileMode(const std::string &text);
// A list written as one string (env, flags): blank-separated words.
std::vector<std::string> parseList(const std::string &text);

} // namespace rexray
