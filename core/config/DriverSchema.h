#pragma once

#include <rexray/sdk/driver.h>

#include <optional>
#include <string>
#include <vector>

namespace rexray {

// One key of a plugin's configuration section, as its entry declares it.
struct PluginConfigKey {
  std::string key;
  rxr_value_type type = RXR_TYPE_STRING;
  std::optional<std::string> defaultValue;
  std::string description;
  bool secret = false;
  std::vector<std::string> aliases; // other spellings of the key (older names)
};

// What one driver instance reads of the configuration: the sections that are
// its own, most specific first (the service's, the plugin's name, each of the
// plugin's aliases: a config's `ec2:` section is the ebs plugin's), and the
// keys its plugin declares. No declared keys means the plugin reads any key
// it asks for, unchecked.
struct DriverSections {
  std::vector<std::string> names;
  std::vector<PluginConfigKey> keys;

  // The declared key that `key` spells (its name or an alias, any case).
  const PluginConfigKey *declared(const std::string &key) const;
  // Every spelling of `key`: the declared name first, then its aliases; just
  // `key` when undeclared.
  std::vector<std::string> spellings(const std::string &key) const;
};

} // namespace rexray
