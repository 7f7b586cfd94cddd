#include "config/ValueParsers.h"

#include "util/Names.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace rexray {
namespace {

std::string trim(const std::string &s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool allDigits(const std::string &s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit((unsigned char)c); });
}

} // namespace

std::optional<bool> parseBool(const std::string &text) {
  const std::string t = toLower(trim(text));
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return std::nullopt;
}

std::optional<int64_t> parseInt(const std::string &text) {
  std::string t = trim(text);
  if (!t.empty() && t[0] == '+') t.erase(0, 1);
  if (t.empty()) return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v, 10);
  if (ec != std::errc() || ptr != t.data() + t.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> parseDurationMs(const std::string &text) {
  const std::string t = toLower(trim(text));
  if (t.empty()) return std::nullopt;
  if (allDigits(t)) {
    auto secs = parseInt(t);
    if (!secs || *secs > INT64_MAX / 1000) return std::nullopt;
    return *secs * 1000;
  }
  double total = 0;
  size_t i = 0;
  while (i < t.size()) {
    const size_t start = i;
    while (i < t.size() && (std::isdigit((unsigned char)t[i]) || t[i] == '.')) ++i;
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

// A number that cannot be octal (it has an 8 or 9, e.g. 448) was emitted by a
// tool as the decimal value and is read as such.
std::optional<uint32_t> parseFileMode(const std::string &text) {
  std::string t = toLower(trim(text));
  int base = 8;
  if (t.compare(0, 2, "0o") == 0) {
    t.erase(0, 2);
  } else if (t.find_first_of("89") != std::string::npos && t[0] != '0') {
    base = 10;
  }
  if (t.empty()) return std::nullopt;
  uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v, base);
  if (ec != std::errc() || ptr != t.data() + t.size() || v > 07777) return std::nullopt;
  return v;
}

std::vector<std::string> parseList(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

} // namespace rexray
