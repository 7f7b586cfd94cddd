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
  // Flags for the built-in drivers' sections are known before any plugin
  // loads; an external plugin's are accepted once its service is configured.
  for (const auto *entry : options.builtins) {
    const PluginInfo info = PluginLoader::inspect(entry);
    source.driverSections.push_back(info.name);
    for (const auto &alias : info.aliases) source.driverSections.push_back(alias);
  }
  auto config = std::make_shared<const Config>(Config::load(source));
  log::setLevel(config->boolean("rexray.debug", false)
                    ? log::Level::Debug
                    : log::parseLevel(config->string("rexray.logLevel", options.defaultLogLevel)));
  try {
    log::setFormat(log::parseFormat(config->string("rexray.logFormat", "text")));
  } catch (const Error &e) {
    throw Error(ErrorKind::Config, std::string("rexray.logFormat: ") + e.what());
  }
  for (const auto &w : config->warnings()) log::warn("{}", w);
  for (const auto &f : config->filesRead()) log::info("configuration read from {}", f);
  return config;
}

} // namespace

Runtime::Runtime(const RuntimeOptions &options)
    : _options(options), _paths(Paths::fromEnvironment()), _config(loadConfig(options, _paths)),
      _serviceNames(_config->services()), _os(std::make_unique<LinuxOsLayer>()) {
  _loader =
      std::make_unique<PluginLoader>([this](const PluginInfo &plugin, const std::string &key) {
        return config()->driverValue(plugin.configSections(plugin.name), key);
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

const PluginInfo &Runtime::servicePlugin(const std::string &name) {
  if (std::find(_serviceNames.begin(), _serviceNames.end(), name) == _serviceNames.end()) {
    std::string known;
    for (const auto &s : _serviceNames) known += (known.empty() ? "" : ", ") + s;
    throw Error(ErrorKind::NotFound,
                "service '" + name + "' is not configured (configured: " + known + ")");
  }
  // A service is named after its driver (rexray.storageDrivers lists
  // drivers), unless `<service>.driver` names another; a plugin also answers
  // to the aliases it declares.
  const std::string driverName =
      config()->driverValue(DriverSections{{name}, {}}, "driver").value_or(name);
  if (const PluginInfo *plugin = pluginFor(driverName)) return *plugin;
  std::string refused, searched;
  for (const auto &p : _loader->plugins())
    if (!p.loaded) refused += (refused.empty() ? "" : "; ") + p.path + ": " + p.refusal;
  for (const auto &dir : pluginDirs()) searched += (searched.empty() ? "" : ", ") + dir;
  throw Error(ErrorKind::NotFound, "service '" + name + "': no plugin provides the driver '" +
                                       driverName + "' (searched " + searched + ")" +
                                       (refused.empty() ? "" : "; refused plugins: " + refused));
}

void Runtime::checkSections(const Config &config, const DriverSections &sections) {
  for (const auto &w : config.checkDriverSections(sections)) log::warn("{}", w);
}

const DriverSections &Runtime::configSections(const std::string &requested) {
  const std::string name = requested.empty() ? _serviceNames.front() : requested;
  {
    std::lock_guard<std::mutex> guard(_servicesGuard);
    if (auto found = _sections.find(name); found != _sections.end()) return found->second;
  }
  const PluginInfo &plugin = servicePlugin(name);
  const auto cfg = config();
  DriverSections sections = plugin.configSections(
      name, cfg->driverValue(DriverSections{{name}, {}}, "driver").value_or(""));
  checkSections(*cfg, sections);
  std::lock_guard<std::mutex> guard(_servicesGuard);
  return _sections[name] = std::move(sections);
}

void Runtime::checkServices() {
  for (const auto &name : _serviceNames) {
    try {
      configSections(name);
    } catch (const Error &e) {
      if (e.kind() != ErrorKind::NotFound) throw;
      throw Error(ErrorKind::Config, e.what());
    }
  }
}

VolumeService &Runtime::service(const std::string &requested) {
  const std::string name = requested.empty() ? _serviceNames.front() : requested;
  {
    std::lock_guard<std::mutex> guard(_servicesGuard);
    if (auto found = _services.find(name); found != _services.end()) return *found->second;
  }
  const DriverSections &sections = configSections(name);
  const PluginInfo &plugin = servicePlugin(name);
  // What the plugin declares secret never reaches a log line or an error.
  DriverInstanceSetup setup;
  setup.stateDir = _paths.driverStateDir(name);
  for (const auto &key : sections.keys)
    if (key.secret)
      if (auto value = config()->driverValue(sections, key.key)) setup.secrets.push_back(*value);
  auto driver = std::make_unique<DriverHandle>(
      plugin, name,
      [this, sections](const std::string &key) { return config()->driverValue(sections, key); },
      std::move(setup));
  const auto cfg = config();
  auto service = std::make_unique<VolumeService>(
      name, std::move(driver), ServiceSettings::fromConfig(*cfg, _paths), state(), *_os);
  log::info("service {} started on driver {} {}", name, plugin.name, plugin.version);
  std::lock_guard<std::mutex> guard(_servicesGuard);
  // A reload between reading the settings and here has passed this service
  // by: give it what the reload read.
  if (const auto now = config(); now != cfg)
    service->updateSettings(ServiceSettings::fromConfig(*now, _paths));
  auto &stored = _services[name];
  stored = std::move(service);
  return *stored;
}

void Runtime::reload() {
  auto fresh = loadConfig(_options, _paths);
  const auto settings = ServiceSettings::fromConfig(*fresh, _paths);
  std::lock_guard<std::mutex> services(_servicesGuard);
  for (const auto &[name, sections] : _sections) checkSections(*fresh, sections);
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
