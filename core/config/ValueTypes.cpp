#include "config/ValueTypes.h"

#include "config/ValueParsers.h"
#include "util/Error.h"
#include "util/Names.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace rexray {
namespace {

[[noreturn]] void typeError(const std::string &label, ValueType type, const std::string &text) {
  throw Error(ErrorKind::Config,
              fmt::format("{}: expected {}, got '{}'", label, describe(type), text));
}

} // namespace

ValueType fromDeclared(rxr_value_type type) {
  switch (type) {
  case RXR_TYPE_BOOL: return ValueType::Bool;
  case RXR_TYPE_INT: return ValueType::Int;
  case RXR_TYPE_DURATION: return ValueType::Duration;
  case RXR_TYPE_LIST: return ValueType::List;
  case RXR_TYPE_STRING: break;
  }
  return ValueType::String;
}

const char *describe(ValueType type) {
  switch (type) {
  case ValueType::String: return "a string";
  case ValueType::Bool: return "a boolean (true/false)";
  case ValueType::Int: return "an integer";
  case ValueType::List: return "a list of strings";
  case ValueType::Duration: return "a duration (e.g. 30s, 500ms, 2m, 1h)";
  case ValueType::Mode: return "a file mode in octal (e.g. 0700)";
  case ValueType::LogLevel: return "a log level (panic, fatal, error, warn, info, debug)";
  case ValueType::ServiceList: return "a list of service names";
  }
  return "a value";
}

bool isListType(ValueType type) {
  return type == ValueType::List || type == ValueType::ServiceList;
}

void checkValue(ValueType type, const std::string &text, const std::vector<std::string> &items,
                bool isList, const std::string &label, bool nonNegative) {
  if (isList && !isListType(type))
    throw Error(ErrorKind::Config,
                fmt::format("{}: expected {}, got a list", label, describe(type)));
  switch (type) {
  case ValueType::String:
  case ValueType::List: break;
  case ValueType::Bool:
    if (!parseBool(text)) typeError(label, type, text);
    break;
  case ValueType::Int: {
    auto n = parseInt(text);
    if (!n) typeError(label, type, text);
    if (nonNegative && *n < 0)
      throw Error(ErrorKind::Config,
                  fmt::format("{}: expected a non-negative integer, got '{}'", label, text));
    break;
  }
  case ValueType::Duration:
    if (!parseDurationMs(text)) typeError(label, type, text);
    break;
  case ValueType::Mode:
    if (!parseFileMode(text)) typeError(label, type, text);
    break;
  case ValueType::LogLevel: {
    static const std::set<std::string> levels = {"panic",   "fatal", "error", "warn",
                                                 "warning", "info",  "debug"};
    if (!levels.count(toLower(text))) typeError(label, type, text);
    break;
  }
  case ValueType::ServiceList:
    for (const auto &s : items)
      if (!isValidName(s))
        throw Error(ErrorKind::Config,
                    fmt::format("{}: invalid service name '{}' (expected letters, digits, "
                                "'_', '.' or '-', starting with a letter or digit)",
                                label, s));
    break;
  }
}

} // namespace rexray
