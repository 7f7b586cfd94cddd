#include "config/KeySpelling.h"

#include <Poco/String.h>

#include <algorithm>
#include <cctype>

namespace rexray {

std::string upperCase(std::string s) {
  return Poco::toUpper(s);
}

bool startsWith(const std::string &s, const std::string &prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

std::string envName(const std::string &key) {
  std::string s = upperCase(key);
  std::replace(s.begin(), s.end(), '.', '_');
  return s;
}

std::string flagSpelling(const std::string &key) {
  std::string out;
  bool segmentStart = false;
  for (char c : key) {
    if (c == '.') {
      segmentStart = !out.empty();
      continue;
    }
    out += segmentStart ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    segmentStart = false;
  }
  return out;
}

std::string flagForm(const std::string &key) {
  std::string out;
  for (char c : key)
    if (c != '.') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string flagLabel(const std::string &key) {
  return key.find('.') == std::string::npos ? key : flagSpelling(key);
}

} // namespace rexray
