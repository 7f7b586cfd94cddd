#include "plugin/PluginLoader.h"

#include "plugin/HostContext.h"
#include "util/InstallLocations.h"
#include "util/Log.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/Exception.h>
#include <Poco/String.h>

#include <algorithm>
#include <cstring>
#include <dlfcn.h>
#include <mutex>

namespace rexray {
namespace {

std::string text(const char *s) {
  return s ? std::string(s) : std::string();
}

std::vector<std::string> nullTerminated(const char *const *items) {
  std::vector<std::string> out;
  for (size_t i = 0; items && items[i]; ++i) out.emplace_back(items[i]);
  return out;
}

bool knownType(int32_t type) {
  return type >= RXR_TYPE_STRING && type <= RXR_TYPE_LIST;
}

// Walks a contiguous array whose elements share the first one's struct_size,
// which may be larger (a newer minor) or smaller (an older one) than ours.
template <typename T, typename Fn> bool forEachElement(const T *items, size_t count, Fn &&fn) {
  if (!items || count == 0) return true;
  const size_t stride = items->struct_size;
  if (stride < offsetof(T, struct_size) + sizeof(uint32_t)) return false;
  const char *base = reinterpret_cast<const char *>(items);
  for (size_t i = 0; i < count; ++i)
    if (!fn(reinterpret_cast<const T *>(base + i * stride))) return false;
  return true;
}

// Reads the configuration schema and the create options; "" when sound, else
// why not.
std::string readDeclarations(const rxr_plugin_entry *entry, PluginInfo &info) {
  if (!RXR_HAS(entry, rxr_plugin_entry, create_option_count)) return {};
  info.aliases = nullTerminated(entry->aliases);
  std::string problem;
  bool ok =
      forEachElement(entry->config_keys, entry->config_key_count, [&](const rxr_config_key *k) {
        if (!RXR_HAS(k, rxr_config_key, flags) || !k->key || !*k->key || !knownType(k->type)) {
          problem = "config key #" + std::to_string(info.configKeys.size() + 1) +
                    " has no name or an unknown type";
          return false;
        }
        PluginConfigKey key;
        key.key = k->key;
        key.type = static_cast<rxr_value_type>(k->type);
        if (k->default_value) key.defaultValue = k->default_value;
        key.description = text(k->description);
        key.secret = (k->flags & RXR_KEY_SECRET) != 0;
        key.aliases = nullTerminated(k->aliases);
        info.configKeys.push_back(std::move(key));
        return true;
      });
  if (!ok) return problem.empty() ? "config_keys has an invalid struct_size" : problem;
  ok = forEachElement(
      entry->create_options, entry->create_option_count, [&](const rxr_create_option *o) {
        if (!RXR_HAS(o, rxr_create_option, description) || !o->name || !*o->name ||
            !knownType(o->type)) {
          problem = "create option #" + std::to_string(info.createOptions.size() + 1) +
                    " has no name or an unknown type";
          return false;
        }
        info.createOptions.push_back(
            {o->name, static_cast<rxr_value_type>(o->type), text(o->description)});
        return true;
      });
  if (!ok) return problem.empty() ? "create_options has an invalid struct_size" : problem;
  return {};
}

// The operations whose slots are set, within the plugin's table.
std::vector<std::string> operationsOf(const rxr_driver_vtable *vt) {
  struct Slot {
    const char *name;
    size_t offset;
  };
#define RXR_OP(op)                                                                                 \
  Slot {                                                                                           \
#op, offsetof(rxr_driver_vtable, op)                                                           \
  }
  static const Slot slots[] = {
      RXR_OP(instance_id),    RXR_OP(next_device),     RXR_OP(volumes_list),
      RXR_OP(volume_get),     RXR_OP(volume_create),   RXR_OP(volume_remove),
      RXR_OP(volume_attach),  RXR_OP(volume_detach),   RXR_OP(wait_for_device),
      RXR_OP(snapshots_list), RXR_OP(snapshot_create), RXR_OP(snapshot_remove),
      RXR_OP(snapshot_copy),  RXR_OP(volume_expand),   RXR_OP(instance_info),
      RXR_OP(capacity)};
#undef RXR_OP
  std::vector<std::string> out;
  for (const auto &slot : slots) {
    if (vt->struct_size < slot.offset + sizeof(void (*)())) continue;
    void (*fn)();
    std::memcpy(&fn, reinterpret_cast<const char *>(vt) + slot.offset, sizeof fn);
    if (fn) out.emplace_back(slot.name);
  }
  return out;
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
  if (entry->abi_minor == 0) {
    // 1.0 was a pre-release: its `features` was a string and its deadline
    // a wall-clock time. Reading either with today's meaning would crash.
    info.refusal = "built against the pre-release ABI 1.0; rebuild it against SDK " +
                   std::to_string(RXR_ABI_MAJOR) + "." + std::to_string(RXR_ABI_MINOR);
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
  info.features = nullTerminated(entry->features);
  if (info.name.empty()) {
    info.refusal = "entry struct has no name";
    return info;
  }
  const rxr_driver_vtable *vt = entry->driver;
  if (!RXR_HAS(vt, rxr_driver_vtable, destroy) || !vt->create || !vt->destroy) {
    info.refusal = "driver table lacks create/destroy";
    return info;
  }
  info.operations = operationsOf(vt);
  info.refusal = readDeclarations(entry, info);
  if (info.refusal.empty()) info.entry = entry;
  return info;
}

// A future ABI major exports rxr_plugin_entry_v<N>: name it, so the user
// knows to upgrade rexray rather than suspect a broken file.
std::string missingEntryReason(void *library) {
  for (unsigned major = RXR_ABI_MAJOR + 1; major < RXR_ABI_MAJOR + 8; ++major) {
    const std::string symbol = "rxr_plugin_entry_v" + std::to_string(major);
    if (::dlsym(library, symbol.c_str()))
      return "built for ABI major " + std::to_string(major) + ", this rexray speaks ABI major " +
             std::to_string(RXR_ABI_MAJOR);
  }
  return std::string("missing entry symbol ") + RXR_PLUGIN_ENTRY_SYMBOL + " (not a rexray plugin)";
}

// A mapped plugin library. dlopen directly rather than Poco::SharedLibrary:
// Poco binds lazily (RTLD_LAZY) and has no way to ask for RTLD_NOW.
struct Opened {
  void *handle = nullptr;
  std::string error; // dlerror(): names the file and the unresolved symbol
  const rxr_plugin_entry *entry = nullptr;
};

Opened openPlugin(const std::string &path) {
  Opened out;
  ::dlerror();
  out.handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!out.handle) {
    const char *why = ::dlerror();
    out.error = why ? why : "dlopen failed";
    return out;
  }
  out.entry = static_cast<const rxr_plugin_entry *>(::dlsym(out.handle, RXR_PLUGIN_ENTRY_SYMBOL));
  if (!out.entry) out.error = missingEntryReason(out.handle);
  return out;
}

// Plugins are never unloaded; this list only documents that the handles are
// kept on purpose.
std::mutex openedGuard;
std::vector<void *> openedHandles;

void keep(void *handle) {
  if (!handle) return;
  std::lock_guard<std::mutex> lock(openedGuard);
  openedHandles.push_back(handle);
}

} // namespace

const char *valueTypeName(rxr_value_type type) {
  switch (type) {
  case RXR_TYPE_STRING: return "string";
  case RXR_TYPE_BOOL: return "bool";
  case RXR_TYPE_INT: return "int";
  case RXR_TYPE_DURATION: return "duration";
  case RXR_TYPE_LIST: return "list";
  }
  return "unknown";
}

bool PluginInfo::hasFeature(const std::string &feature) const {
  return std::find(features.begin(), features.end(), feature) != features.end();
}

bool PluginInfo::answersTo(const std::string &driverName) const {
  if (Poco::icompare(name, driverName) == 0) return true;
  for (const auto &alias : aliases)
    if (Poco::icompare(alias, driverName) == 0) return true;
  return false;
}

DriverSections PluginInfo::configSections(const std::string &service,
                                          const std::string &driverName) const {
  DriverSections sections;
  sections.keys = configKeys;
  std::vector<std::string> names = {service, driverName, name};
  names.insert(names.end(), aliases.begin(), aliases.end());
  for (const auto &n : names) {
    bool seen = n.empty();
    for (const auto &have : sections.names) seen = seen || Poco::icompare(have, n) == 0;
    if (!seen) sections.names.push_back(n);
  }
  return sections;
}

PluginLoader::PluginLoader(ConfigLookup config) : _config(std::move(config)) {}

PluginLoader::~PluginLoader() {
  for (auto &p : _plugins)
    if (p.loaded && RXR_HAS(p.entry, rxr_plugin_entry, deinit) && p.entry->deinit)
      p.entry->deinit();
}

std::vector<std::string> PluginLoader::defaultPluginDirs() {
  return installLocations(REXRAY_PLUGIN_INSTALL_DIR);
}

PluginInfo &PluginLoader::record(PluginInfo info) {
  if (info.refusal.empty()) {
    for (const std::string &claimed : [&] {
           std::vector<std::string> names = {info.name};
           names.insert(names.end(), info.aliases.begin(), info.aliases.end());
           return names;
         }()) {
      const PluginInfo *clash = find(claimed);
      if (!clash) continue;
      info.entry = nullptr;
      info.refusal =
          "a driver answering to '" + claimed + "' is already loaded from " + clash->path;
      break;
    }
  }
  _plugins.push_back(std::move(info));
  PluginInfo &stored = _plugins.back();
  if (stored.refusal.empty()) initialize(stored);
  if (stored.loaded) {
    log::info("plugin {} {} (ABI {}.{}) loaded from {}", stored.name, stored.version,
              stored.abiMajor, stored.abiMinor, stored.path);
    if (stored.abiMinor > RXR_ABI_MINOR)
      log::info("plugin {} was built for ABI {}.{}; this rexray speaks {}.{}, so what the "
                "plugin added since is not used",
                stored.name, stored.abiMajor, stored.abiMinor, RXR_ABI_MAJOR, RXR_ABI_MINOR);
  } else {
    log::warn("plugin {} refused: {}", stored.path, stored.refusal);
  }
  return stored;
}

void PluginLoader::initialize(PluginInfo &info) {
  const rxr_plugin_entry *entry = info.entry;
  if (RXR_HAS(entry, rxr_plugin_entry, init) && entry->init) {
    HostContext host(info.name, info, [this, &info](const std::string &key) {
      return _config ? _config(info, key) : std::nullopt;
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
  record(inspect(entry));
}

PluginInfo PluginLoader::inspect(const rxr_plugin_entry *builtin) {
  return describe("(built-in)", builtin);
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
  Opened opened = openPlugin(path);
  keep(opened.handle);
  if (!opened.entry) {
    PluginInfo info;
    info.path = path;
    info.refusal = opened.handle ? opened.error : "cannot load: " + opened.error;
    return record(std::move(info));
  }
  return record(describe(path, opened.entry));
}

PluginInfo PluginLoader::inspect(const std::string &path) {
  // Inspection maps the library (running only its ELF constructors, which
  // constant-initialized entries do not need) but calls no plugin function.
  Opened opened = openPlugin(path);
  keep(opened.handle);
  PluginInfo info;
  info.path = path;
  if (!opened.entry) {
    info.refusal = opened.handle ? opened.error : "cannot load: " + opened.error;
    return info;
  }
  info = describe(path, opened.entry);
  info.loaded = info.refusal.empty();
  info.entry = nullptr; // metadata only
  return info;
}

const PluginInfo *PluginLoader::find(const std::string &name) const {
  for (const auto &p : _plugins)
    if (p.loaded && p.answersTo(name)) return &p;
  return nullptr;
}

} // namespace rexray
