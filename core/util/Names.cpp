#include "util/Names.h"

#include "util/Error.h"

#include <algorithm>
#include <cctype>

namespace rexray {
namespace {

bool isAlnum(unsigned char c) {
  return std::isalnum(c) != 0 && c < 0x80;
}

std::string printable(const std::string &s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static const char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

} // namespace

bool isValidName(const std::string &name) {
  return !name.empty() && name.size() <= kMaxNameLength &&
         isAlnum(static_cast<unsigned char>(name[0])) &&
         std::all_of(name.begin(), name.end(), [](char ch) {
           auto c = static_cast<unsigned char>(ch);
           return isAlnum(c) || c == '_' || c == '.' || c == '-';
         });
}

void validateName(const std::string &name, const std::string &what) {
  if (name.empty()) throw Error(ErrorKind::Invalid, what + " must not be empty");
  if (name.size() > kMaxNameLength)
    throw Error(ErrorKind::Invalid,
                what + " is longer than " + std::to_string(kMaxNameLength) + " characters");
  if (!isValidName(name))
    throw Error(ErrorKind::Invalid,
                "invalid " + what + " '" + printable(name) +
                    "': use letters, digits, '_', '.' and '-', starting with a letter or digit");
}

std::string toLower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

} // namespace rexray
