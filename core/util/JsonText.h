#pragma once

#include <string>

namespace rexray {

// `text` as a JSON string literal, quotes included. "/" stays as it is (a
// path reads as a path). Bytes that are not UTF-8 become '?', so that what
// comes out is always valid JSON, whatever a client or a backend sent.
std::string jsonQuoted(const std::string &text);

} // namespace rexray
