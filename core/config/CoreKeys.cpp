#include "config/CoreKeys.h"

#include "config/KeySpelling.h"
#include "config/ValueParsers.h"
#include "util/Names.h"

#include <stdexcept>

namespace rexray {
namespace {

const CoreKey kKeys[] = {
    {"rexray.logLevel", ValueType::LogLevel, "warn"},
    // REX-Ray's REXRAY_DEBUG: true logs at debug level whatever rexray.logLevel says.
    {"rexray.debug", ValueType::Bool, "false"},
    // Log lines as text, or as one JSON object each (docs/observability.md).
    {"rexray.logFormat", ValueType::String, "text"},
    // HOST:PORT where the daemon also serves /metrics, /healthz and /readyz
    // over TCP ("" = only on the control socket).
    {"rexray.metrics.address", ValueType::String, ""},
    {"rexray.storageDrivers", ValueType::ServiceList, "vfs"},
    {"rexray.plugins.path", ValueType::List, ""},
    {"volume.mount.preempt", ValueType::Bool, "false"},
    {"volume.unmount.ignoreUsedCount", ValueType::Bool, "false"},
    {"volume.path.cache", ValueType::Bool, "true"},
    {"volume.create.disable", ValueType::Bool, "false"},
    {"volume.create.implicit", ValueType::Bool, "true"},
    {"volume.remove.disable", ValueType::Bool, "false"},
    {"volume.remove.force", ValueType::Bool, "false"},
    {"volume.create.default.size", ValueType::Int, "16"},
    {"volume.create.default.type", ValueType::String, ""},
    {"volume.create.default.iops", ValueType::Int, "0"},
    {"volume.create.default.availabilityZone", ValueType::String, ""},
    {"volume.create.default.fsType", ValueType::String, "ext4"},
    {"volume.mount.path", ValueType::String, "<libDir>/volumes"},
    {"volume.mount.rootPath", ValueType::String, "/data"},
    {"volume.mount.fileMode", ValueType::Mode, "0700"},
    {"volume.mount.retryCount", ValueType::Int, "0"},
    {"volume.mount.retryWait", ValueType::Duration, "5s"},
    {"device.attachTimeout", ValueType::Duration, "30s"},
    // How long the Docker front end gives a request (dockerd's own waits):
    // Create and Mount, then every other call.
    {"docker.timeout.long", ValueType::Duration, "2m"},
    {"docker.timeout.short", ValueType::Duration, "1m"},
    // The CSI front end (core/csi): off without an endpoint (a unix socket
    // path, or unix:///path as orchestrators write it); which CSI services
    // it offers (controller, node or both); the service it serves ("" = the
    // default); how long a call may take when its client set no deadline;
    // and how many volumes one node may have attached (0 = the driver's
    // own limit, if it reports one).
    {"rexray.csi.endpoint", ValueType::String, ""},
    {"rexray.csi.mode", ValueType::String, "both"},
    {"rexray.csi.service", ValueType::String, ""},
    {"rexray.csi.timeout", ValueType::Duration, "2m"},
    {"rexray.csi.maxVolumesPerNode", ValueType::Int, "0"},
};

struct AliasInfo {
  const char *alias;
  const char *canonical;
  bool inverted = false; // a boolean meaning the opposite (0.3's disableCache)
  bool env = true;       // also looked up as an environment variable
};

// Within one layer the canonical spelling beats an alias; among aliases the
// first listed wins (env and flags only: within a file the last line wins).
const AliasInfo kAliases[] = {
    // Unscoped shorthands people write at the top level. Not env vars:
    // LOGLEVEL is too generic a name to claim.
    {"logLevel", "rexray.logLevel", false, false},
    {"storageDrivers", "rexray.storageDrivers", false, false},
    // The variable every CSI deployment sets (CSI_ENDPOINT).
    {"csi.endpoint", "rexray.csi.endpoint"},
    // libStorage (0.4+) names.
    {"libstorage.logging.level", "rexray.logLevel"},
    {"libstorage.service", "rexray.storageDrivers"},
    {"libstorage.device.attachTimeout", "device.attachTimeout"},
    {"libstorage.integration.volume.operations.mount.preempt", "volume.mount.preempt"},
    {"libstorage.integration.volume.operations.unmount.ignoreUsedCount",
     "volume.unmount.ignoreUsedCount"},
    {"libstorage.integration.volume.operations.create.disable", "volume.create.disable"},
    {"libstorage.integration.volume.operations.create.implicit", "volume.create.implicit"},
    {"libstorage.integration.volume.operations.create.default.size", "volume.create.default.size"},
    {"libstorage.integration.volume.operations.create.default.type", "volume.create.default.type"},
    {"libstorage.integration.volume.operations.create.default.IOPS", "volume.create.default.iops"},
    {"libstorage.integration.volume.operations.create.default.availabilityZone",
     "volume.create.default.availabilityZone"},
    {"libstorage.integration.volume.operations.create.default.fsType",
     "volume.create.default.fsType"},
    {"libstorage.integration.volume.operations.remove.disable", "volume.remove.disable"},
    {"libstorage.integration.volume.operations.remove.force", "volume.remove.force"},
    {"libstorage.integration.volume.operations.mount.path", "volume.mount.path"},
    {"libstorage.integration.volume.operations.mount.rootPath", "volume.mount.rootPath"},
    {"libstorage.integration.volume.operations.mount.retryCount", "volume.mount.retryCount"},
    {"libstorage.integration.volume.operations.mount.retryWait", "volume.mount.retryWait"},
    {"libstorage.integration.volume.operations.path.cache.enabled", "volume.path.cache"},
    // REX-Ray 0.3 names.
    {"docker.size", "volume.create.default.size"},
    {"docker.volumeType", "volume.create.default.type"},
    {"docker.iops", "volume.create.default.iops"},
    {"docker.availabilityZone", "volume.create.default.availabilityZone"},
    {"docker.fsType", "volume.create.default.fsType"},
    {"docker.mountDirPath", "volume.mount.path"},
    {"linux.volume.rootpath", "volume.mount.rootPath"},
    {"linux.volume.filemode", "volume.mount.fileMode"},
    {"volume.path.disableCache", "volume.path.cache", true},
    // REX-Ray's Docker managed plugin settings (docker plugin set REXRAY_FSTYPE=xfs).
    {"rexray.fsType", "volume.create.default.fsType"},
    {"rexray.preempt", "volume.mount.preempt"},
};

// Keys older configurations carry that this rebuild has no use for. `warn`
// marks the ones whose silent loss would surprise (libStorage client/server
// plumbing); REX-Ray 0.3's module/driver selection is simply obsolete.
struct IgnoredKey {
  const char *key;
  bool prefix;
  bool warn;
};

const IgnoredKey kIgnored[] = {
    {"rexray.osDrivers", false, false},
    {"rexray.volumeDrivers", false, false},
    {"rexray.host", false, false},
    {"rexray.modules", true, false},
    {"libstorage.integration.volume.operations.path.cache.async", false, false},
    {"libstorage.logging.stdout", false, false},
    {"libstorage.logging.stderr", false, false},
    {"libstorage.logging.httpRequests", false, false},
    {"libstorage.logging.httpResponses", false, false},
    {"libstorage.device.scanType", false, false},
    {"libstorage.host", false, true},
    {"libstorage.embedded", false, true},
    {"libstorage.client", true, true},
    {"libstorage.server", true, true},
    {"libstorage.tls", true, true},
    {"libstorage.executor", true, true},
};

const CoreKey *canonicalInfo(const std::string &lowerKey) {
  for (const auto &k : kKeys)
    if (toLower(k.key) == lowerKey) return &k;
  return nullptr;
}

ResolvedKey resolveOnce(const std::string &k) {
  ResolvedKey r;
  r.scoped = k;
  if (const CoreKey *info = canonicalInfo(k)) {
    r.kind = ResolvedKey::Core;
    r.info = info;
    return r;
  }
  for (const auto &a : kAliases) {
    if (toLower(a.alias) == k) {
      r.kind = ResolvedKey::Core;
      r.info = canonicalInfo(toLower(a.canonical));
      r.inverted = a.inverted;
      return r;
    }
  }
  for (const auto &ig : kIgnored) {
    const std::string ik = toLower(ig.key);
    if (k == ik || (ig.prefix && startsWith(k, ik + "."))) {
      r.kind = ResolvedKey::Ignored;
      r.warnIgnored = ig.warn;
      return r;
    }
  }
  return r;
}

std::string firstSegment(const std::string &key) {
  return key.substr(0, key.find('.'));
}

} // namespace

const std::vector<CoreKey> &coreKeys() {
  static const std::vector<CoreKey> keys(std::begin(kKeys), std::end(kKeys));
  return keys;
}

namespace {

template <typename T, typename Parse> T coreDefault(const std::string &key, Parse parse) {
  for (const auto &k : kKeys)
    if (key == k.key) {
      if (auto value = parse(std::string(k.def))) return *value;
      throw std::logic_error("the default of " + key + " is not of the kind asked for");
    }
  throw std::logic_error("no core key " + key);
}

} // namespace

bool coreDefaultBool(const std::string &key) {
  return coreDefault<bool>(key, parseBool);
}
int64_t coreDefaultInt(const std::string &key) {
  return coreDefault<int64_t>(key, parseInt);
}
int64_t coreDefaultDurationMs(const std::string &key) {
  return coreDefault<int64_t>(key, parseDurationMs);
}
uint32_t coreDefaultMode(const std::string &key) {
  return coreDefault<uint32_t>(key, parseFileMode);
}
std::string coreDefaultString(const std::string &key) {
  return coreDefault<std::string>(
      key, [](const std::string &text) { return std::optional<std::string>(text); });
}

// Driver sections depend on the plugins and are decided by the caller from
// `scoped`.
ResolvedKey resolveKey(const std::string &key) {
  std::string k = toLower(key);
  ResolvedKey r = resolveOnce(k);
  while (r.kind == ResolvedKey::Unknown && startsWith(k, "rexray.")) {
    k = k.substr(7);
    r = resolveOnce(k);
  }
  return r;
}

bool hasCoreKeysUnder(const std::string &lowerPrefix) {
  const std::string p = lowerPrefix + ".";
  const std::string scoped = startsWith(p, "rexray.") ? p.substr(7) : p;
  for (const auto &k : kKeys)
    if (startsWith(toLower(k.key), p) || startsWith(toLower(k.key), scoped)) return true;
  for (const auto &a : kAliases)
    if (startsWith(toLower(a.alias), p) || startsWith(toLower(a.alias), scoped)) return true;
  return false;
}

bool isCoreNamespace(const std::string &lowerSection) {
  auto under = [&](const char *key) {
    const std::string k = toLower(key);
    return k.find('.') != std::string::npos && firstSegment(k) == lowerSection;
  };
  for (const auto &k : kKeys)
    if (under(k.key)) return true;
  for (const auto &a : kAliases)
    if (under(a.alias)) return true;
  for (const auto &ig : kIgnored)
    if (under(ig.key)) return true;
  return false;
}

std::vector<std::pair<std::string, bool>> coreEnvNames(const CoreKey &key) {
  std::vector<std::pair<std::string, bool>> names = {{envName(key.key), false}};
  if (!startsWith(toLower(key.key), "rexray."))
    names.emplace_back("REXRAY_" + envName(key.key), false);
  for (const auto &a : kAliases)
    if (a.env && std::string(a.canonical) == key.key)
      names.emplace_back(envName(a.alias), a.inverted);
  return names;
}

bool isCanonicalFlag(const std::string &flag, const CoreKey &key) {
  return flagForm(flag) == flagForm(key.key) || flagForm(flag) == "rexray" + flagForm(key.key);
}

std::optional<std::string> coreKeyForFlag(const std::string &name) {
  if (name.empty()) return std::nullopt;
  if (name.find('.') != std::string::npos) {
    const ResolvedKey r = resolveKey(name);
    if (r.kind != ResolvedKey::Core) return std::nullopt;
    return r.inverted ? name : std::string(r.info->key);
  }
  // Built once: flag form -> key. Canonical keys first so they win any clash.
  // Config is scoped to `rexray`, so every key is reachable with and without
  // the `rexray` prefix (`--rexrayLogLevel`, `--pluginsPath`).
  static const std::vector<std::pair<std::string, std::string>> table = [] {
    std::vector<std::pair<std::string, std::string>> t;
    auto add = [&t](const std::string &spelling, const std::string &key) {
      t.emplace_back(flagForm(spelling), key);
      if (startsWith(toLower(spelling), "rexray."))
        t.emplace_back(flagForm(spelling.substr(7)), key);
      else
        t.emplace_back("rexray" + flagForm(spelling), key);
    };
    for (const auto &k : kKeys) add(k.key, k.key);
    // An inverted alias maps to itself: its value means the opposite of the
    // canonical key's, and Source.flags accepts alias keys.
    for (const auto &a : kAliases) add(a.alias, a.inverted ? a.alias : a.canonical);
    return t;
  }();
  const std::string form = toLower(name);
  for (const auto &[f, key] : table)
    if (f == form) return key;
  return std::nullopt;
}

} // namespace rexray
