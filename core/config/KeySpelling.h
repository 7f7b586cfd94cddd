#pragma once

#include <string>

namespace rexray {

// How one dotted configuration key is spelled in each place it can be set.
// Keys are case-insensitive everywhere, so comparisons go through these forms.

// The environment variable: upper-cased, dots as underscores
// ("volume.mount.preempt" -> "VOLUME_MOUNT_PREEMPT").
std::string envName(const std::string &key);
// The flag as users write it: lower-camel concatenation ("volumeMountPreempt").
std::string flagSpelling(const std::string &key);
// What flags are compared by: dots dropped, lower-cased ("volumemountpreempt"),
// so "--volumeMountPreempt" and "--volume.mount.preempt" are one flag.
std::string flagForm(const std::string &key);
// The key as it names a flag in messages: dotted keys in their camel spelling.
std::string flagLabel(const std::string &key);
std::string upperCase(std::string s);
bool startsWith(const std::string &s, const std::string &prefix);

} // namespace rexray
