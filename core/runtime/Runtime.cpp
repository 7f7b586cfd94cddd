#include "runtime/Runtime.h"

#include "util/Error.h"
#include "util/Log.h"

#include <algorithm>

#include <unistd.h>

namespace rexray {
namespace {

std::shared_ptr<const Config> loadConfig(const RuntimeOptions &options, const Paths &paths) {
  Config::Source source;
  if (options.searchDefaultConfigFiles) source.files = Config::defaultFiles(paths.etcDir);
  source.requiredFiles = options.configFiles;
  source.env = Config::processEnvironment();
  source.flags = options.flags;
  auto config = std::make_shared<const Config>(Config::load(source));
  log::setLevel(log::parseLevel(config->string("rexray.logLevel", options.defaultLogLevel)));
  for (const auto &w : config->warnings()) log::warn("{}", w);
  for (const auto &f : config->filesRead()) log::info("configuration read from {}", f);
  return config;
}

} // namespace

Runtime::Runtime(const RuntimeOptions &options)
    : _options(options), _paths(Paths::fromEnvironment()), _config(loadConfig(options, _paths)),
      _serviceNames(_config->services()), _os(std::make_unique<LinuxOsLayer>()) {
  _loader =
      std::make_unique<PluginLoader>([this](const std::string &driver, const std::string &key) {
        return config()->driverValue(driver, driver, key);
      });
}

Runtime::~Runtime() {
  // Driver instances go before their plugins' deinit (in ~PluginLoader).
  _services.clear();
}

std::shared_ptr<const Config> Runtime::config() const {
  std::lock_guard<std::mutex> guard(_configGuard);
  return _config;
}

std::vector<std::string> Runtime::pluginDirs() const {
  std::vector<std::string> dirs = PluginLoader::defaultPluginDirs();
  for (const auto &dir : config()->list("rexray.plugins.path")) dirs.push_back(dir);
  return dirs;
}

void Runtime::addBuiltins() {
  std::call_once(_builtinsAdded, [this] {
    for (const auto *entry : _options.builtins) _loader->addBuiltin(entry);
  });
}

PluginLoader &Runtime::plugins() {
  addBuiltins();
  std::call_once(_pluginsLoaded, [this] {
    for (const auto &dir : pluginDirs()) _loader->loadDirectory(dir);
  });
  return *_loader;
}

const PluginInfo *Runtime::pluginFor(const std::string &driver) {
  // Load only what the configured services use: every plugin mapped into a
  // CLI process costs its start (the ebs plugin brings OpenSSL) and the
  // daemon's memory. A plugin's file is librexray-<driver>.so by convention;
  // anything else is found by loading every plugin.
  addBuiltins();
  if (const PluginInfo *builtin = _loader->find(driver)) return builtin;
  for (const auto &dir : pluginDirs()) {
    const std::string file = dir + "/librexray-" + driver + ".so";
    if (::access(file.c_str(), F_OK) != 0) continue;
    bool seen = false;
    for (const auto &p : _loader->plugins()) seen = seen || p.path == file;
    if (!seen) _loader->loadFile(file);
    if (const PluginInfo *found = _loader->find(driver)) return found;
  }
  return plugins().find(driver);
}

StateStore &Runtime::state() {
  if (!_state) _state = std::make_unique<StateStore>(_paths.stateDbPath());
  return *_state;
}

VolumeService &Runtime::service(const std::string &requested) {
  const std::string name = requested.empty() ? _serviceNames.front() : requested;
  auto found = _services.find(name);
  if (found != _services.end()) return *found->second;
  if (std::find(_serviceNames.begin(), _serviceNames.end(), name) == _serviceNames.end()) {
    std::string known;
    for (const auto &s : _serviceNames) known += (known.empty() ? "" : ", ") + s;
    throw Error(ErrorKind::NotFound,
                "service '" + name + "' is not configured (configured: " + known + ")");
  }
  // A service is named after its driver (rexray.storageDrivers lists
  // drivers), unless `<service>.driver` names another; REX-Ray's old names for
  // the EBS driver still work.
  // A plugin may also answer to aliases it declares (ebs: ec2, aws).
  const std::string driverName = config()->driverValue(name, name, "driver").value_or(name);
  const PluginInfo *plugin = pluginFor(driverName);
  if (!plugin) {
    std::string refused, searched;
    for (const auto &p : _loader->plugins())
      if (!p.loaded) refused += (refused.empty() ? "" : "; ") + p.path + ": " + p.refusal;
    for (const auto &dir : pluginDirs()) searched += (searched.empty() ? "" : ", ") + dir;
    throw Error(ErrorKind::NotFound, "service '" + name + "': no plugin provides the driver '" +
                                         driverName + "' (searched " + searched + ")" +
                                         (refused.empty() ? "" : "; refused plugins: " + refused));
  }
  DriverInstanceSetup setup;
  setup.stateDir = _paths.driverStateDir(name);
  auto driver = std::make_unique<DriverHandle>(
      *plugin, name,
      [this, name, driverName = plugin->name](const std::string &key) {
        return config()->driverValue(name, driverName, key);
      },
      std::move(setup));
  auto settings = ServiceSettings::fromConfig(*config(), _paths);
  auto service = std::make_unique<VolumeService>(name, std::move(driver), settings, state(), *_os);
  log::info("service {} started on driver {} {}", name, plugin->name, plugin->version);
  auto &stored = _services[name];
  stored = std::move(service);
  return *stored;
}

void Runtime::reload() {
  auto fresh = loadConfig(_options, _paths);
  const auto settings = ServiceSettings::fromConfig(*fresh, _paths);
  {
    std::lock_guard<std::mutex> guard(_configGuard);
    _config = fresh;
  }
  for (auto &entry : _services) entry.second->updateSettings(settings);
  if (fresh->services() != _serviceNames)
    log::warn("the list of services changed; restart rexray to apply it");
  log::info("configuration reloaded");
}

} // namespace rexray
