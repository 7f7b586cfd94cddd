#pragma once

#include <rexray/sdk/driver.h>

#include <string>
#include <vector>

namespace rexray {

// The kinds of value a configuration key holds: core's own and the five a
// plugin can declare (rxr_value_type).
enum class ValueType { String, Bool, Int, List, Duration, Mode, LogLevel, ServiceList };

ValueType fromDeclared(rxr_value_type type);
// "a boolean (true/false)", as error messages say it.
const char *describe(ValueType type);
bool isListType(ValueType type);

// Checks a value against its type; throws Error(Config)
// "<label>: expected <type>, got '<text>'". `isList` says the value was
// written as a list (YAML sequence), which only list types accept. Core's
// integers are counts and sizes, so `nonNegative` refuses a minus.
void checkValue(ValueType type, const std::string &text, const std::vector<std::string> &items,
                bool isList, const std::string &label, bool nonNegative = false);

} // namespace rexray
