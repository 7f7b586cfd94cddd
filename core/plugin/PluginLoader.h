#pragma once

#include "config/DriverSchema.h"

#include <rexray/sdk/driver.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rexray {

// "string", "bool", "int", "duration", "list".
const char *valueTypeName(rxr_value_type type);

// One driver-specific create option, as the plugin's entry declares it.
struct PluginCreateOption {
  std::string name;
  rxr_value_type type = RXR_TYPE_STRING;
  std::string description;
};

// What the loader knows of one plugin, loaded or refused.
struct PluginInfo {
  std::string path; // "(built-in)" for drivers linked into the binary
  std::string id, name, version, vendor, description;
  std::vector<std::string> features, aliases;
  std::vector<PluginConfigKey> configKeys;
  std::vector<PluginCreateOption> createOptions;
  std::vector<std::string> operations; // the driver table's non-NULL slots
  uint32_t abiMajor = 0, abiMinor = 0, flags = 0;
  bool loaded = false;
  std::string refusal; // why it was refused, "" when loaded
  const rxr_plugin_entry *entry = nullptr;

  bool hasFeature(const std::string &feature) const;
  // The name itself or one of its aliases (case-insensitive).
  bool answersTo(const std::string &driverName) const;
  // The configuration sections one instance reads, most specific first: the
  // service's, the driver name the service gave, the plugin's name and its
  // aliases; with the keys the plugin declares.
  DriverSections configSections(const std::string &service,
                                const std::string &driverName = "") const;
};

// Finds plugins, checks their ABI and runs their init once. Libraries are
// opened RTLD_NOW | RTLD_LOCAL, so a plugin with an unresolved symbol is
// refused at load (naming the symbol) instead of crashing the daemon at its
// first call, and never closed: a plugin's threads or atexit handlers may
// outlive its last instance, and unloading under them crashes.
class PluginLoader {
public:
  // Reads a plugin's own configuration sections during init: (plugin, key).
  using ConfigLookup =
      std::function<std::optional<std::string>(const PluginInfo &, const std::string &)>;

  explicit PluginLoader(ConfigLookup config);
  ~PluginLoader();

  // Where plugins are looked for before any configured rexray.plugins.path:
  // the install's plugin directory (<libdir>/rexray/plugins, multiarch on
  // Debian) and <dir of the executable>/../lib/rexray/plugins, without
  // duplicates.
  static std::vector<std::string> defaultPluginDirs();

  void addBuiltin(const rxr_plugin_entry *entry);
  // Loads every lib*.so in dir; a missing dir is not an error.
  void loadDirectory(const std::string &dir);
  // Loads one file; refusals are recorded and logged, never thrown.
  const PluginInfo &loadFile(const std::string &path);

  // Reads a plugin's metadata without running its init.
  static PluginInfo inspect(const std::string &path);
  static PluginInfo inspect(const rxr_plugin_entry *builtin);

  // A deque so that references handed out stay valid as plugins are added.
  const std::deque<PluginInfo> &plugins() const { return _plugins; }
  // The loaded plugin with this short name or alias, or nullptr.
  const PluginInfo *find(const std::string &name) const;

private:
  PluginInfo &record(PluginInfo info);
  void initialize(PluginInfo &info);

  ConfigLookup _config;
  std::deque<PluginInfo> _plugins;
};

} // namespace rexray
