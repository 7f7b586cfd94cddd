#ifndef REXRAY_SDK_SUPPORT_STRINGS_H
#define REXRAY_SDK_SUPPORT_STRINGS_H

#include <string>
#include <vector>

// The few string operations the support library needs, kept private so the
// installed headers promise nothing about them.
namespace rexray::sdk::support::strings {

std::string lower(std::string s);
std::string trim(const std::string &s);
std::vector<std::string> split(const std::string &s, char sep);
bool startsWith(const std::string &s, const std::string &prefix);
bool endsWith(const std::string &s, const std::string &suffix);

} // namespace rexray::sdk::support::strings

#endif // REXRAY_SDK_SUPPORT_STRINGS_H
