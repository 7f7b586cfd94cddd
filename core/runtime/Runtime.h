#pragma once

#include "config/Config.h"
#include "os/OsLayer.h"
#include "plugin/PluginLoader.h"
#include "state/StateStore.h"
#include "util/Paths.h"
#include "volume/VolumeService.h"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rexray {

struct RuntimeOptions {
  std::vector<std::string> configFiles;           // -c FILE (must exist)
  std::map<std::string, std::string> flags;       // config flags, key -> value
  std::vector<const rxr_plugin_entry *> builtins; // drivers linked into the binary
  bool searchDefaultConfigFiles = true;
  // When no file, variable or flag sets rexray.logLevel (the daemon says info).
  std::string defaultLogLevel = "warn";
};

// Everything a process needs to serve volumes: configuration, plugins, the
// state store and one VolumeService per configured service. The CLI builds
// one per command; the daemon keeps one. Plugins load (and run their init)
// on first use, so a daemon can bind its sockets before any driver starts.
class Runtime {
public:
  explicit Runtime(const RuntimeOptions &options);
  ~Runtime();

  // The configuration in force; a reload replaces it, so hold the pointer.
  std::shared_ptr<const Config> config() const;
  const Paths &paths() const { return _paths; }
  // Every plugin found (for `rexray plugins ls`).
  PluginLoader &plugins();
  StateStore &state();
  OsLayer &os() { return *_os; }

  // The configured services, the default first.
  const std::vector<std::string> &serviceNames() const { return _serviceNames; }
  // The named service ("" = the default), started on first use. Throws
  // NotFound for an unknown service and the driver's error when it fails to
  // start; a later call tries again. Safe beside reload(); not for
  // concurrent first use of one name.
  VolumeService &service(const std::string &name = "");
  // Finds every configured service's plugin and checks its sections, without
  // starting any driver: a driver no plugin provides is a configuration
  // error (Error(Config), naming the directories searched), which a daemon
  // reports before it binds a socket rather than serve a service that can
  // never work.
  void checkServices();
  // The configuration sections of a configured service ("" = the default)
  // and the keys its plugin declares, the plugin loaded to know them. Checked
  // against the plugin's schema the first time: unknown keys are logged as
  // warnings, a value of the wrong type throws Error(Config). Throws NotFound
  // as service() does.
  const DriverSections &configSections(const std::string &name = "");

  // Reads the configuration again (SIGHUP): the log level and each started
  // service's settings change; drivers and the service list stay.
  void reload();

private:
  std::vector<std::string> pluginDirs() const;
  void addBuiltins();
  // The plugin for one driver, loading as few files as it can.
  const PluginInfo *pluginFor(const std::string &driver);
  // The configured service's plugin; NotFound naming what was searched.
  const PluginInfo &servicePlugin(const std::string &name);
  // Warnings and errors of one service's sections in `config`.
  static void checkSections(const Config &config, const DriverSections &sections);

  RuntimeOptions _options;
  Paths _paths;
  mutable std::mutex _configGuard;
  std::shared_ptr<const Config> _config;
  std::vector<std::string> _serviceNames;
  std::once_flag _builtinsAdded;
  std::once_flag _pluginsLoaded;
  std::unique_ptr<PluginLoader> _loader;
  std::unique_ptr<StateStore> _state;
  std::unique_ptr<OsLayer> _os;
  // Guards the two maps below: the daemon starts services on one thread
  // (retrying those whose backend is late) while SIGHUP reloads on another.
  mutable std::mutex _servicesGuard;
  std::map<std::string, std::unique_ptr<VolumeService>> _services;
  std::map<std::string, DriverSections> _sections; // by service, once checked
};

} // namespace rexray
