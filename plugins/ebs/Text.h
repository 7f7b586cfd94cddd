#ifndef REXRAY_EBS_TEXT_H
#define REXRAY_EBS_TEXT_H

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

// "true"/"yes"/"on"/"1" and their opposites, case-insensitive; nullopt otherwise.
std::optional<bool> parseBool(const std::string &s);
// A whole number (optionally signed); nullopt for anything else.
std::optional<int64_t> parseInt(const std::string &s);
// Go-style durations as the core reads them: "100ms", "2m", "1m30s", "1.5s";
// a bare number is seconds. nullopt when malformed.
std::optional<int64_t> parseDurationMs(const std::string &s);

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
