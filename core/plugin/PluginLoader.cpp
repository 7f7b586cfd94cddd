#include "plugin/PluginLoader.h"

#include "plugin/HostContext.h"
#include "util/Log.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/Exception.h>
#include <Poco/Path.h>
#include <Poco/SharedLibrary.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <unistd.h>

namespace rexray {
namespace {

std::string text(const char *s) {
  return s ? std::string(s) : std::string();
}

// Copies the metadata and checks the fields the host relies on.
PluginInfo describe(const std::string &path, const rxr_plugin_entry *entry) {
  PluginInfo info;
  info.path = path;
  if (entry->struct_size < offsetof(rxr_plugin_entry, abi_minor) + sizeof(uint32_t)) {
    info.refusal = "entry struct is too small to hold an ABI version";
    return info;
  }
  info.abiMajor = entry->abi_major;
  info.abiMinor = entry->abi_minor;
  if (entry->abi_major != RXR_ABI_MAJOR) {
    info.refusal = "built for ABI major " + std::to_string(entry->abi_major) +
                   ", this rexray speaks ABI major " + std::to_string(RXR_ABI_MAJOR);
    return info;
  }
  if (!RXR_HAS(entry, rxr_plugin_entry, driver) || !entry->driver) {
    info.refusal = "entry struct has no driver table";
    return info;
  }
  info.flags = entry->flags;
  info.id = text(entry->id);
  info.name = text(entry->name);
  info.version = text(entry->version);
  info.vendor = text(entry->vendor);
  info.description = text(entry->description);
  info.features = text(entry->features);
  if (info.name.empty()) {
    info.refusal = "entry struct has no name";
    return info;
  }
  const rxr_driver_vtable *vt = entry->driver;
  if (!RXR_HAS(vt, rxr_driver_vtable, destroy) || !vt->create || !vt->destroy) {
    info.refusal = "driver table lacks create/destroy";
    return info;
  }
  info.entry = entry;
  return info;
}

// A future ABI major exports rxr_plugin_entry_v<N>: name it, so the user
// knows to upgrade rexray rather than suspect a broken file.
std::string missingEntryReason(Poco::SharedLibrary &library) {
  for (unsigned major = RXR_ABI_MAJOR + 1; major < RXR_ABI_MAJOR + 8; ++major) {
    if (library.hasSymbol("rxr_plugin_entry_v" + std::to_string(major)))
      return "built for ABI major " + std::to_string(major) + ", this rexray speaks ABI major " +
             std::to_string(RXR_ABI_MAJOR);
  }
  return std::string("missing entry symbol ") + RXR_PLUGIN_ENTRY_SYMBOL + " (not a rexray plugin)";
}

} // namespace

bool PluginInfo::hasFeature(const std::string &feature) const {
  size_t start = 0;
  while (start <= features.size()) {
    size_t end = features.find(',', start);
    if (end == std::string::npos) end = features.size();
    if (features.compare(start, end - start, feature) == 0) return true;
    start = end + 1;
  }
  return false;
}

struct PluginLoader::Libraries {
  // Never unloaded: Poco's destructor leaves the mapping in place.
  std::vector<std::unique_ptr<Poco::SharedLibrary>> open;
};

PluginLoader::PluginLoader(ConfigLookup config)
    : _config(std::move(config)), _libraries(std::make_unique<Libraries>()) {}

PluginLoader::~PluginLoader() {
  for (auto &p : _plugins)
    if (p.loaded && RXR_HAS(p.entry, rxr_plugin_entry, deinit) && p.entry->deinit)
      p.entry->deinit();
}

std::string PluginLoader::defaultPluginDir() {
  char exe[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return "/usr/lib/rexray/plugins";
  exe[n] = '\0';
  Poco::Path p(exe);
  p.makeParent(); // bin/
  p.makeParent(); // prefix/
  return p.toString() + "lib/rexray/plugins";
}

PluginInfo &PluginLoader::record(PluginInfo info) {
  if (info.refusal.empty()) {
    auto clash = std::find_if(_plugins.begin(), _plugins.end(),
                              [&](const PluginInfo &p) { return p.loaded && p.name == info.name; });
    if (clash != _plugins.end()) {
      info.entry = nullptr;
      info.refusal = "a driver named '" + info.name + "' is already loaded from " + clash->path;
    }
  }
  _plugins.push_back(std::move(info));
  PluginInfo &stored = _plugins.back();
  if (stored.refusal.empty()) initialize(stored);
  if (stored.loaded)
    log::info("plugin {} {} loaded from {}", stored.name, stored.version, stored.path);
  else
    log::warn("plugin {} refused: {}", stored.path, stored.refusal);
  return stored;
}

void PluginLoader::initialize(PluginInfo &info) {
  const rxr_plugin_entry *entry = info.entry;
  if (RXR_HAS(entry, rxr_plugin_entry, init) && entry->init) {
    HostContext host(info.name, info.name, [this, name = info.name](const std::string &key) {
      return _config ? _config(name, key) : std::nullopt;
    });
    rxr_call call = HostContext::makeCall(0);
    rxr_status st = entry->init(host.raw(), &call);
    if (st != RXR_OK) {
      info.entry = nullptr;
      info.refusal = "init failed: " + std::string(call.error.message);
      return;
    }
  }
  info.loaded = true;
}

void PluginLoader::addBuiltin(const rxr_plugin_entry *entry) {
  record(describe("(built-in)", entry));
}

void PluginLoader::loadDirectory(const std::string &dir) {
  std::vector<std::string> files;
  try {
    for (Poco::DirectoryIterator it(dir), end; it != end; ++it) {
      const std::string name = it.name();
      if (name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0 && it->isFile())
        files.push_back(it.path().toString());
    }
  } catch (const Poco::FileNotFoundException &) {
    log::debug("plugin directory {} does not exist", dir);
    return;
  } catch (const Poco::Exception &e) {
    log::warn("cannot read plugin directory {}: {}", dir, e.displayText());
    return;
  }
  std::sort(files.begin(), files.end()); // a stable order makes clashes predictable
  for (const auto &f : files) loadFile(f);
}

const PluginInfo &PluginLoader::loadFile(const std::string &path) {
  auto library = std::make_unique<Poco::SharedLibrary>();
  PluginInfo info;
  info.path = path;
  try {
    library->load(path, Poco::SharedLibrary::SHLIB_LOCAL);
  } catch (const Poco::Exception &e) {
    info.refusal = "cannot load: " + e.displayText();
    return record(std::move(info));
  }
  if (!library->hasSymbol(RXR_PLUGIN_ENTRY_SYMBOL)) {
    info.refusal = missingEntryReason(*library);
    _libraries->open.push_back(std::move(library));
    return record(std::move(info));
  }
  auto *entry = static_cast<const rxr_plugin_entry *>(library->getSymbol(RXR_PLUGIN_ENTRY_SYMBOL));
  _libraries->open.push_back(std::move(library));
  return record(describe(path, entry));
}

PluginInfo PluginLoader::inspect(const std::string &path) {
  // Inspection maps the library but runs no plugin function; the mapping is
  // kept like every other.
  static std::vector<std::unique_ptr<Poco::SharedLibrary>> inspected;
  PluginInfo info;
  info.path = path;
  auto library = std::make_unique<Poco::SharedLibrary>();
  try {
    library->load(path, Poco::SharedLibrary::SHLIB_LOCAL);
  } catch (const Poco::Exception &e) {
    info.refusal = "cannot load: " + e.displayText();
    return info;
  }
  if (!library->hasSymbol(RXR_PLUGIN_ENTRY_SYMBOL)) {
    info.refusal = missingEntryReason(*library);
  } else {
    info = describe(
        path, static_cast<const rxr_plugin_entry *>(library->getSymbol(RXR_PLUGIN_ENTRY_SYMBOL)));
    info.loaded = info.refusal.empty();
    info.entry = nullptr; // metadata only
  }
  inspected.push_back(std::move(library));
  return info;
}

const PluginInfo *PluginLoader::find(const std::string &name) const {
  for (const auto &p : _plugins)
    if (p.loaded && p.name == name) return &p;
  return nullptr;
}

} // namespace rexray
