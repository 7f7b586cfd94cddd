#include "config/ValueParsers.h"

#include "util/Names.h"

#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace rexray {

// A number that cannot be octal (it has an 8 or 9, e.g. 448) was emitted by a
// tool as the decimal value and is read as such.
std::optional<uint32_t> parseFileMode(const std::string &text) {
  std::string t = toLower(Poco::trim(text));
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
