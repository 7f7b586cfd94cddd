// How rexray reads a configuration value of each declared type (rxr_value_type):
// the host judges a plugin's section with these, and a plugin reading its own
// values with them agrees with the host on every spelling. Header-only C++17,
// no dependencies.
#ifndef REXRAY_SDK_VALUES_HPP
#define REXRAY_SDK_VALUES_HPP

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

namespace rexray::sdk::values {

namespace detail {

inline std::string trimmedLower(const std::string &s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  std::string out = s.substr(b, e - b);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

} // namespace detail

// true/yes/on/1 and false/no/off/0, any case, surrounding blanks ignored.
inline std::optional<bool> parseBool(const std::string &text) {
  const std::string t = detail::trimmedLower(text);
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return std::nullopt;
}

// A decimal integer with an optional sign, surrounding blanks ignored.
inline std::optional<int64_t> parseInt(const std::string &text) {
  std::string t = detail::trimmedLower(text);
  if (!t.empty() && t[0] == '+') t.erase(0, 1);
  if (t.empty()) return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v, 10);
  if (ec != std::errc() || ptr != t.data() + t.size()) return std::nullopt;
  return v;
}

// Go-style durations restricted to h, m, s and ms, compound ("1m30s") and
// with fractions ("1.5s"); a bare whole number counts seconds, as REX-Ray
// 0.3 did. Milliseconds; nullopt for anything else or a negative value.
inline std::optional<int64_t> parseDurationMs(const std::string &text) {
  const std::string t = detail::trimmedLower(text);
  if (t.empty()) return std::nullopt;
  if (std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); })) {
    auto secs = parseInt(t);
    if (!secs || *secs > INT64_MAX / 1000) return std::nullopt;
    return *secs * 1000;
  }
  double total = 0;
  size_t i = 0;
  while (i < t.size()) {
    const size_t start = i;
    while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
    if (i == start) return std::nullopt;
    const std::string num = t.substr(start, i - start);
    if (std::count(num.begin(), num.end(), '.') > 1 || num == ".") return std::nullopt;
    const double n = std::strtod(num.c_str(), nullptr);
    double unit = 0;
    if (t.compare(i, 2, "ms") == 0) {
      unit = 1, i += 2;
    } else if (t.compare(i, 1, "s") == 0) {
      unit = 1000, i += 1;
    } else if (t.compare(i, 1, "m") == 0) {
      unit = 60 * 1000, i += 1;
    } else if (t.compare(i, 1, "h") == 0) {
      unit = 3600 * 1000, i += 1;
    } else {
      return std::nullopt;
    }
    total += n * unit;
  }
  if (!std::isfinite(total) || total > 9.2e18) return std::nullopt;
  return static_cast<int64_t>(std::llround(total));
}

} // namespace rexray::sdk::values

#endif // REXRAY_SDK_VALUES_HPP
