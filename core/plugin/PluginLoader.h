#pragma once

#include <rexray/sdk/driver.h>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rexray {

// What the loader knows of one plugin, loaded or refused.
struct PluginInfo {
  std::string path; // "(built-in)" for drivers linked into the binary
  std::string id, name, version, vendor, description, features;
  uint32_t abiMajor = 0, abiMinor = 0, flags = 0;
  bool loaded = false;
  std::string refusal; // why it was refused, "" when loaded
  const rxr_plugin_entry *entry = nullptr;

  bool hasFeature(const std::string &feature) const;
};

// Finds plugins, checks their ABI and runs their init once. Libraries are
// opened RTLD_LOCAL and never closed: a plugin's threads or atexit handlers
// may outlive its last instance, and unloading under them crashes.
class PluginLoader {
public:
  // Reads a driver's own configuration section during init: (driver, key).
  using ConfigLookup =
      std::function<std::optional<std::string>(const std::string &, const std::string &)>;

  explicit PluginLoader(ConfigLookup config);
  ~PluginLoader();

  // <dir of the executable>/../lib/rexray/plugins.
  static std::string defaultPluginDir();

  void addBuiltin(const rxr_plugin_entry *entry);
  // Loads every lib*.so in dir; a missing dir is not an error.
  void loadDirectory(const std::string &dir);
  // Loads one file; refusals are recorded and logged, never thrown.
  const PluginInfo &loadFile(const std::string &path);

  // Reads a plugin's metadata without running its init.
  static PluginInfo inspect(const std::string &path);

  // A deque so that references handed out stay valid as plugins are added.
  const std::deque<PluginInfo> &plugins() const { return _plugins; }
  // The loaded plugin with this short name, or nullptr.
  const PluginInfo *find(const std::string &name) const;

private:
  PluginInfo &record(PluginInfo info);
  void initialize(PluginInfo &info);

  ConfigLookup _config;
  std::deque<PluginInfo> _plugins;
  struct Libraries;
  std::unique_ptr<Libraries> _libraries;
};

} // namespace rexray
