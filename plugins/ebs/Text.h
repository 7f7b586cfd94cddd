#ifndef REXRAY_EBS_TEXT_H
#define REXRAY_EBS_TEXT_H

#include <rexray/sdk/values.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// Small string and time helpers shared by the ebs driver's files.
namespace rexray::ebs::text {

std::string trim(const std::string &s);
std::string lower(std::string s);
bool startsWith(const std::string &s, const std::string &prefix);
bool endsWith(const std::string &s, const std::string &suffix);
bool contains(const std::string &s, const std::string &needle);
std::vector<std::string> split(const std::string &s, char sep);
std::string join(const std::vector<std::string> &items, const std::string &sep);

// Config values read exactly as the host reads them (the SDK's values.hpp).
using sdk::values::parseBool;
using sdk::values::parseDurationMs;
using sdk::values::parseInt;

// ISO 8601 / RFC 3339 UTC ("2018-03-01T17:23:44.000Z", "2018-03-01T17:23:44Z")
// to seconds since the epoch; nullopt when malformed.
std::optional<int64_t> parseIso8601(const std::string &s);

// Milliseconds since the epoch, wall clock (deadlines are wall-clock).
int64_t nowUnixMs();

// A human-friendly duration: "850ms", "12.3s", "2m5s".
std::string describeMs(int64_t ms);

// Quotes a value for messages: 'x'.
inline std::string q(const std::string &s) {
  return "'" + s + "'";
}

} // namespace rexray::ebs::text

#endif // REXRAY_EBS_TEXT_H
