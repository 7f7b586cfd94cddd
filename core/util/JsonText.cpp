#include "util/JsonText.h"

#include <Poco/JSONString.h>
#include <Poco/TextConverter.h>
#include <Poco/UTF8Encoding.h>

#include <algorithm>

namespace rexray {

// Poco::toJSON copies bytes >= 0x80 as they are, so text that is not UTF-8
// (Poco's parser quotes the offending byte of a bad body in its message)
// would make output no JSON parser accepts (found by fuzz/docker_request).
std::string jsonQuoted(const std::string &text) {
  const bool ascii = std::all_of(text.begin(), text.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return Poco::toJSON(text);
  Poco::UTF8Encoding utf8;
  Poco::TextConverter converter(utf8, utf8, '?');
  std::string valid;
  converter.convert(text, valid);
  return Poco::toJSON(valid);
}

} // namespace rexray
