#include "config/Config.h"

#include "util/Error.h"
#include "util/Names.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>

extern char **environ;

namespace rexray {
namespace {

// ---------------------------------------------------------------------------
// The key table.

enum class Type { String, Bool, Int, List, Duration, Mode, LogLevel, ServiceList };

// No default here: the code that reads a key owns its default (for the
// volume.* keys, ServiceSettings), so the value is stated once.
struct KeyInfo {
  const char *key; // canonical spelling
  Type type;
};

const KeyInfo kKeys[] = {
    {"rexray.logLevel", Type::LogLevel},
    {"rexray.storageDrivers", Type::ServiceList},
    {"rexray.plugins.path", Type::List},
    {"volume.mount.preempt", Type::Bool},
    {"volume.unmount.ignoreUsedCount", Type::Bool},
    {"volume.path.cache", Type::Bool},
    {"volume.create.disable", Type::Bool},
    {"volume.create.implicit", Type::Bool},
    {"volume.remove.disable", Type::Bool},
    {"volume.remove.force", Type::Bool},
    {"volume.create.default.size", Type::Int},
    {"volume.create.default.type", Type::String},
    {"volume.create.default.iops", Type::Int},
    {"volume.create.default.availabilityZone", Type::String},
    {"volume.create.default.fsType", Type::String},
    {"volume.mount.path", Type::String},
    {"volume.mount.rootPath", Type::String},
    {"volume.mount.fileMode", Type::Mode},
    {"volume.mount.retryCount", Type::Int},
    {"volume.mount.retryWait", Type::Duration},
    {"device.attachTimeout", Type::Duration},
    {"docker.timeout.long", Type::Duration},
    {"docker.timeout.short", Type::Duration},
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

struct DriverKeys {
  const char *driver;
  std::vector<std::string> keys;
};

const std::vector<DriverKeys> &driverTable() {
  static const std::vector<std::string> ebs = {"accessKey",
                                               "secretKey",
                                               "sessionToken",
                                               "region",
                                               "endpoint",
                                               "maxRetries",
                                               "tag",
                                               "rexrayTag",
                                               "kmsKeyID",
                                               "useLargeDeviceRange",
                                               "statusMaxAttempts",
                                               "statusInitialDelay",
                                               "statusTimeout",
                                               "nvmeBinPath",
                                               "metadataEndpoint",
                                               "deviceRoot",
                                               "sysfsRoot",
                                               "throughput",
                                               "profile"};
  static const std::vector<DriverKeys> table = {
      {"vfs", {"root"}},
      {"virtualbox",
       {"endpoint", "volumePath", "localMachineNameOrId", "username", "password", "tls",
        "controllerName", "diskIDPath", "mediumFormat"}},
      {"ebs", ebs},
      {"ec2", ebs},
      {"aws", ebs},
      {"scaleio",
       {"endpoint", "insecure", "useCerts", "apiVersion", "version", "userID", "userName",
        "password", "systemID", "systemName", "protectionDomainID", "protectionDomainName",
        "storagePoolID", "storagePoolName", "thinOrThick", "guid", "deviceRoot"}},
  };
  return table;
}

// ---------------------------------------------------------------------------
// Small string helpers.

std::string lower(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool startsWith(const std::string &s, const std::string &prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

std::string trim(const std::string &s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> splitWords(const std::string &s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

std::vector<std::string> splitDots(const std::string &s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return out;
}

std::string join(const std::vector<std::string> &items, const char *sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

std::string envName(const std::string &key) {
  std::string s = upper(key);
  std::replace(s.begin(), s.end(), '.', '_');
  return s;
}

// The flag spelling of a dotted key: lower-camel concatenation.
std::string camel(const std::string &key) {
  std::string out;
  for (const auto &seg : splitDots(key)) {
    if (seg.empty()) continue;
    if (out.empty()) {
      out = seg;
    } else {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(seg[0])));
      out += seg.substr(1);
    }
  }
  return out;
}

// What keyForFlag compares: segments concatenated, lower-cased.
std::string flagForm(const std::string &key) {
  std::string out;
  for (char c : key)
    if (c != '.') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool isSecret(const std::string &name) {
  std::string n;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)))
      n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char *w : {"password", "secret", "token", "accesskey"})
    if (n.find(w) != std::string::npos) return true;
  return false;
}

// ---------------------------------------------------------------------------
// Value parsing.

std::optional<bool> parseBool(const std::string &text) {
  std::string t = lower(trim(text));
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return std::nullopt;
}

std::optional<int64_t> parseInt(const std::string &text) {
  std::string t = trim(text);
  if (!t.empty() && t[0] == '+') t.erase(0, 1);
  if (t.empty()) return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v, 10);
  if (ec != std::errc() || ptr != t.data() + t.size()) return std::nullopt;
  return v;
}

// Go-style durations restricted to h, m, s and ms (also compound: "1m30s",
// fractions: "1.5s"); a bare integer counts seconds, as REX-Ray 0.3 did.
std::optional<int64_t> parseDurationMs(const std::string &text) {
  std::string t = lower(trim(text));
  if (t.empty()) return std::nullopt;
  if (std::all_of(t.begin(), t.end(), [](char c) { return std::isdigit((unsigned char)c); })) {
    auto secs = parseInt(t);
    if (!secs || *secs > INT64_MAX / 1000) return std::nullopt;
    return *secs * 1000;
  }
  double total = 0;
  size_t i = 0;
  while (i < t.size()) {
    size_t start = i;
    while (i < t.size() && (std::isdigit((unsigned char)t[i]) || t[i] == '.')) ++i;
    if (i == start) return std::nullopt;
    std::string num = t.substr(start, i - start);
    if (std::count(num.begin(), num.end(), '.') > 1 || num == ".") return std::nullopt;
    double n = std::strtod(num.c_str(), nullptr);
    double unit = 0;
    if (t.compare(i, 2, "ms") == 0) {
      unit = 1, i += 2;
    } else if (t.compare(i, 1, "s") == 0) {
      unit = 1000, i += 1;
    } else if (t.compare(i, 1, "m") == 0) {
      unit = 60 * 1000, i += 1;
    } else if (t.compare(i, 1, "h") == 0) {
      unit = 3600 * 1000, i += 1;
    } else {
      return std::nullopt;
    }
    total += n * unit;
  }
  if (!std::isfinite(total) || total > 9.2e18) return std::nullopt;
  return static_cast<int64_t>(std::llround(total));
}

// Modes are written in octal ("0700", "700", "0o700"). A number that cannot be
// octal (it has an 8 or 9, e.g. 448) was emitted by a tool as the decimal
// value and is read as such.
std::optional<uint32_t> parseMode(const std::string &text) {
  std::string t = lower(trim(text));
  int base = 8;
  if (startsWith(t, "0o")) {
    t.erase(0, 2);
  } else if (t.find_first_of("89") != std::string::npos && t[0] != '0') {
    base = 10;
  }
  if (t.empty()) return std::nullopt;
  uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v, base);
  if (ec != std::errc() || ptr != t.data() + t.size() || v > 07777) return std::nullopt;
  return v;
}

const char *describe(Type type) {
  switch (type) {
  case Type::String: return "a string";
  case Type::Bool: return "a boolean (true/false)";
  case Type::Int: return "an integer";
  case Type::List: return "a list of strings";
  case Type::Duration: return "a duration (e.g. 30s, 500ms, 2m, 1h)";
  case Type::Mode: return "a file mode in octal (e.g. 0700)";
  case Type::LogLevel: return "a log level (panic, fatal, error, warn, info, debug)";
  case Type::ServiceList: return "a list of service names";
  }
  return "a value";
}

bool isListType(Type t) {
  return t == Type::List || t == Type::ServiceList;
}

// ---------------------------------------------------------------------------
// Key resolution.

const KeyInfo *canonicalInfo(const std::string &lowerKey) {
  for (const auto &k : kKeys)
    if (lower(k.key) == lowerKey) return &k;
  return nullptr;
}

struct Resolved {
  enum Kind { Unknown, Canonical, Ignored } kind = Unknown;
  const KeyInfo *info = nullptr;
  bool inverted = false;
  bool warnIgnored = false;
  std::string scoped; // the lower-cased key with any `rexray.` scope removed
};

Resolved resolveOnce(const std::string &k) {
  Resolved r;
  r.scoped = k;
  if (const KeyInfo *info = canonicalInfo(k)) {
    r.kind = Resolved::Canonical;
    r.info = info;
    return r;
  }
  for (const auto &a : kAliases) {
    if (lower(a.alias) == k) {
      r.kind = Resolved::Canonical;
      r.info = canonicalInfo(lower(a.canonical));
      r.inverted = a.inverted;
      return r;
    }
  }
  for (const auto &ig : kIgnored) {
    std::string ik = lower(ig.key);
    if (k == ik || (ig.prefix && startsWith(k, ik + "."))) {
      r.kind = Resolved::Ignored;
      r.warnIgnored = ig.warn;
      return r;
    }
  }
  return r;
}

// Static resolution: canonical keys, aliases and ignored keys, with the
// `rexray.` scope (`rexray.volume.x` == `volume.x`). Driver sections depend on
// the configured services and are decided by the caller from `scoped`.
Resolved resolve(const std::string &key) {
  std::string k = lower(key);
  Resolved r = resolveOnce(k);
  while (r.kind == Resolved::Unknown && startsWith(k, "rexray.")) {
    k = k.substr(7);
    r = resolveOnce(k);
  }
  return r;
}

// Whether some canonical key or alias lies below `lowerPrefix`, so that an
// ignored prefix never hides it.
bool hasKeysUnder(const std::string &lowerPrefix) {
  std::string p = lowerPrefix + ".";
  std::string scoped = startsWith(p, "rexray.") ? p.substr(7) : p;
  for (const auto &k : kKeys)
    if (startsWith(lower(k.key), p) || startsWith(lower(k.key), scoped)) return true;
  for (const auto &a : kAliases)
    if (startsWith(lower(a.alias), p) || startsWith(lower(a.alias), scoped)) return true;
  return false;
}

std::string sectionOf(const std::string &scoped) {
  auto dot = scoped.find('.');
  return dot == std::string::npos ? scoped : scoped.substr(0, dot);
}

const DriverKeys *knownDriver(const std::string &lowerSection) {
  for (const auto &d : driverTable())
    if (lowerSection == d.driver) return &d;
  return nullptr;
}

// The canonical spelling of a known driver's key, or empty when unknown.
std::string knownDriverKey(const DriverKeys &d, const std::string &lowerRest) {
  if (lowerRest == "driver") return "driver";
  for (const auto &k : d.keys)
    if (lower(k) == lowerRest) return k;
  return {};
}

// A file value before classification: the leaves of the YAML tree.
struct RawEntry {
  std::string file;
  int line = 0;
  std::string path; // dotted, as written
  enum Kind { Scalar, Sequence, Null } kind = Null;
  std::string text;
  std::vector<std::string> items;
};

} // namespace

// ---------------------------------------------------------------------------
// Loading.

class ConfigLoader {
public:
  using Value = Config::Value;

  explicit ConfigLoader(Config &cfg) : _cfg(cfg) {}

  void run(const Config::Source &source) {
    // Names differing only in case collapse; the upper-case spelling wins.
    for (const auto &[name, value] : source.env) {
      auto &slot = _cfg._envAll[upper(name)];
      if (slot.first.empty() || name == upper(name)) slot = {name, value};
    }

    std::vector<RawEntry> entries;
    for (const auto &f : source.files) readFile(f, false, entries);
    for (const auto &f : source.requiredFiles) readFile(f, true, entries);

    // Canonical keys first: the services (rexray.storageDrivers, any layer)
    // decide which top-level names are driver sections.
    for (const auto &e : entries) {
      Resolved r = resolve(e.path);
      if (r.kind != Resolved::Canonical || e.kind == RawEntry::Null) continue;
      store(_cfg._file, *r.info, r.inverted, fileValue(*r.info, e),
            fmt::format("{}:{}: {}", e.file, e.line, e.path));
    }
    loadEnv();
    std::vector<std::pair<std::string, std::string>> deferredFlags = loadFlags(source.flags);

    std::set<std::string> sections;
    for (const auto &d : driverTable()) sections.insert(d.driver);
    for (const auto &s : _cfg.services()) {
      sections.insert(lower(s));
      // A service may name its driver (`<service>.driver: ebs`); that
      // driver's own section then holds settings too.
      if (auto d = serviceDriver(lower(s), entries, deferredFlags)) sections.insert(*d);
    }

    // One pass in file order so that warnings come out in line order.
    for (const auto &e : entries) {
      Resolved r = resolve(e.path);
      if (r.kind == Resolved::Ignored) {
        _cfg._warnings.push_back(
            fmt::format("{}:{}: configuration key '{}' is not supported and is ignored", e.file,
                        e.line, e.path));
      } else if (r.kind == Resolved::Unknown && !storeDriverEntry(e, sections)) {
        _cfg._warnings.push_back(
            fmt::format("{}:{}: unknown configuration key '{}'", e.file, e.line, e.path));
      }
    }
    for (const auto &[key, value] : deferredFlags) {
      std::string scoped = resolve(key).scoped;
      std::string section = sectionOf(scoped);
      if (!sections.count(section) || scoped == section)
        throw Error(ErrorKind::Config, fmt::format("unknown flag --{}", flagLabel(key)));
      Value v;
      v.origin = "flag --" + flagLabel(key);
      v.text = value;
      _cfg._flags[scoped] = std::move(v);
    }
    _cfg._sections.assign(sections.begin(), sections.end());
  }

private:
  Config &_cfg;

  static std::string flagLabel(const std::string &key) {
    return key.find('.') == std::string::npos ? key : camel(key);
  }

  void readFile(const std::string &path, bool required, std::vector<RawEntry> &out) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        if (required)
          throw Error(ErrorKind::Config, fmt::format("config file '{}' not found", path));
        return;
      }
      unreadable(path, required, std::strerror(errno));
      return;
    }
    if (S_ISDIR(st.st_mode)) {
      unreadable(path, required, "is a directory");
      return;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      unreadable(path, required, std::strerror(errno));
      return;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    YAML::Node root;
    try {
      root = YAML::Load(buf.str());
    } catch (const YAML::Exception &e) {
      int line = e.mark.is_null() ? 1 : e.mark.line + 1;
      throw Error(ErrorKind::Config, fmt::format("{}:{}: {}", path, line, e.msg));
    }
    _cfg._filesRead.push_back(path);
    if (root.IsNull()) return;
    if (!root.IsMap())
      throw Error(ErrorKind::Config,
                  fmt::format("{}:{}: expected a map of configuration keys at the top level", path,
                              root.Mark().line + 1));
    walk(root, "", path, out);
  }

  // An optional file (the default search path) that exists but cannot be read
  // is skipped with a warning: /etc/rexray/config.yml is often root-only
  // because it holds credentials, and `rexray version` should still work.
  void unreadable(const std::string &path, bool required, const std::string &why) {
    if (required)
      throw Error(ErrorKind::Config, fmt::format("cannot read config file '{}': {}", path, why));
    _cfg._warnings.push_back(fmt::format("cannot read config file '{}': {}; skipped", path, why));
  }

  void walk(const YAML::Node &map, const std::string &prefix, const std::string &file,
            std::vector<RawEntry> &out) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node k = it->first; // it-> yields a temporary
      const YAML::Node v = it->second;
      int line = k.Mark().line + 1;
      if (!k.IsScalar())
        throw Error(ErrorKind::Config,
                    fmt::format("{}:{}: configuration keys must be plain strings", file, line));
      std::string path = prefix.empty() ? k.Scalar() : prefix + "." + k.Scalar();
      Resolved r = resolve(path);
      if (r.kind == Resolved::Ignored && !(v.IsMap() && hasKeysUnder(lower(path)))) {
        // Kept (as a Null entry) only to warn about it in line order.
        if (r.warnIgnored) out.push_back(RawEntry{file, line, path, RawEntry::Null, {}, {}});
        continue;
      }
      if (v.IsMap()) {
        if (r.kind == Resolved::Canonical)
          throw Error(ErrorKind::Config, fmt::format("{}:{}: {}: expected {}, got a map", file,
                                                     line, path, describe(r.info->type)));
        walk(v, path, file, out);
        continue;
      }
      RawEntry e;
      e.file = file;
      e.line = line;
      e.path = path;
      if (v.IsSequence()) {
        if (r.kind == Resolved::Canonical && !isListType(r.info->type))
          throw Error(ErrorKind::Config, fmt::format("{}:{}: {}: expected {}, got a list", file,
                                                     line, path, describe(r.info->type)));
        e.kind = RawEntry::Sequence;
        for (const auto &item : v) {
          if (item.IsNull()) continue;
          if (!item.IsScalar()) {
            if (r.kind == Resolved::Canonical)
              throw Error(ErrorKind::Config,
                          fmt::format("{}:{}: {}: expected {}, got a nested structure", file,
                                      item.Mark().line + 1, path, describe(r.info->type)));
            YAML::Emitter em;
            em << YAML::Flow << item;
            e.items.push_back(em.c_str());
            continue;
          }
          e.items.push_back(item.Scalar());
        }
        e.text = join(e.items, " ");
      } else if (v.IsScalar()) {
        e.kind = RawEntry::Scalar;
        e.text = v.Scalar();
      }
      out.push_back(std::move(e));
    }
  }

  static Value fileValue(const KeyInfo &info, const RawEntry &e) {
    Value v;
    v.origin = fmt::format("{}:{}", e.file, e.line);
    if (e.kind == RawEntry::Sequence) {
      v.isList = true;
      v.items = e.items;
      v.text = e.text;
    } else {
      v.text = e.text;
      if (isListType(info.type)) {
        v.isList = true;
        v.items = splitWords(e.text);
      }
    }
    return v;
  }

  static Value textValue(const KeyInfo &info, const std::string &text, const std::string &origin) {
    Value v;
    v.origin = origin;
    v.text = text;
    if (isListType(info.type)) {
      v.isList = true;
      v.items = splitWords(text);
      v.text = join(v.items, " ");
    }
    return v;
  }

  [[noreturn]] static void typeError(const std::string &label, Type type, const std::string &text) {
    throw Error(ErrorKind::Config,
                fmt::format("{}: expected {}, got '{}'", label, describe(type), text));
  }

  // Validates `v` against the key's type (label names it for the user) and
  // stores it, applying an inverted alias.
  static void store(std::map<std::string, Value> &layer, const KeyInfo &info, bool inverted,
                    Value v, const std::string &label) {
    if (inverted) {
      auto b = parseBool(v.text);
      if (!b) typeError(label, Type::Bool, v.text);
      v.text = *b ? "false" : "true";
    }
    switch (info.type) {
    case Type::String: break;
    case Type::Bool:
      if (!parseBool(v.text)) typeError(label, info.type, v.text);
      break;
    case Type::Int: {
      auto n = parseInt(v.text);
      if (!n) typeError(label, info.type, v.text);
      if (*n < 0)
        throw Error(ErrorKind::Config,
                    fmt::format("{}: expected a non-negative integer, got '{}'", label, v.text));
      break;
    }
    case Type::Duration:
      if (!parseDurationMs(v.text)) typeError(label, info.type, v.text);
      break;
    case Type::Mode:
      if (!parseMode(v.text)) typeError(label, info.type, v.text);
      break;
    case Type::LogLevel: {
      static const std::set<std::string> levels = {"panic",   "fatal", "error", "warn",
                                                   "warning", "info",  "debug"};
      if (!levels.count(lower(trim(v.text)))) typeError(label, info.type, v.text);
      break;
    }
    case Type::ServiceList:
      for (const auto &s : v.items)
        if (!isValidName(s)) // a service name becomes a socket name
          throw Error(ErrorKind::Config,
                      fmt::format("{}: invalid service name '{}' (expected letters, digits, "
                                  "'_', '.' or '-', starting with a letter or digit)",
                                  label, s));
      break;
    case Type::List: break;
    }
    layer[lower(info.key)] = std::move(v);
  }

  const std::pair<std::string, std::string> *env(const std::string &name) const {
    auto it = _cfg._envAll.find(upper(name));
    return it == _cfg._envAll.end() ? nullptr : &it->second;
  }

  void loadEnv() {
    for (const auto &info : kKeys) {
      std::string key = info.key;
      struct Candidate {
        std::string name;
        bool inverted;
      };
      std::vector<Candidate> names = {{envName(key), false}};
      if (!startsWith(lower(key), "rexray.")) names.push_back({"REXRAY_" + envName(key), false});
      for (const auto &a : kAliases)
        if (a.env && a.canonical == key) names.push_back({envName(a.alias), a.inverted});
      for (const auto &c : names) {
        if (const auto *e = env(c.name)) {
          store(_cfg._env, info, c.inverted, textValue(info, e->second, "env " + e->first),
                "environment variable " + e->first);
          break;
        }
      }
    }
  }

  // Stores flags for canonical keys; returns the rest (driver settings) for
  // when the sections are known.
  std::vector<std::pair<std::string, std::string>>
  loadFlags(const std::map<std::string, std::string> &flags) {
    std::vector<std::pair<std::string, std::string>> deferred;
    // Aliases first so that a flag spelled canonically wins.
    for (int pass = 0; pass < 2; ++pass) {
      for (const auto &[rawName, value] : flags) {
        std::string name = rawName;
        while (!name.empty() && name[0] == '-') name.erase(0, 1);
        std::string key = name;
        if (key.find('.') == std::string::npos) {
          auto k = Config::keyForFlag(name);
          if (!k) throw Error(ErrorKind::Config, fmt::format("unknown flag --{}", name));
          key = *k;
        }
        Resolved r = resolve(key);
        if (r.kind == Resolved::Ignored) continue;
        if (r.kind == Resolved::Unknown) {
          if (pass == 0) deferred.emplace_back(key, value);
          continue;
        }
        bool canonicalSpelling = flagForm(name) == flagForm(r.info->key) ||
                                 flagForm(name) == "rexray" + flagForm(r.info->key);
        if (canonicalSpelling != (pass == 1)) continue;
        std::string label = "flag --" + flagLabel(name);
        store(_cfg._flags, *r.info, r.inverted, textValue(*r.info, value, label), label);
      }
    }
    return deferred;
  }

  // Stores a file entry that lies in a driver section; false when `sections`
  // does not (yet) cover it. Unknown keys of known drivers warn but are kept,
  // so a driver newer than this table still sees them.
  bool storeDriverEntry(const RawEntry &e, const std::set<std::string> &sections) {
    std::string scoped = resolve(e.path).scoped;
    std::string section = sectionOf(scoped);
    if (!sections.count(section)) return false;
    if (scoped == section) {
      if (e.kind != RawEntry::Null)
        _cfg._warnings.push_back(
            fmt::format("{}:{}: unknown configuration key '{}'", e.file, e.line, e.path));
      return true;
    }
    if (const DriverKeys *d = knownDriver(section)) {
      if (knownDriverKey(*d, scoped.substr(section.size() + 1)).empty())
        _cfg._warnings.push_back(
            fmt::format("{}:{}: unknown configuration key '{}'", e.file, e.line, e.path));
    }
    if (e.kind == RawEntry::Null) return true;
    Value v;
    v.origin = fmt::format("{}:{}", e.file, e.line);
    v.text = e.text;
    v.isList = e.kind == RawEntry::Sequence;
    v.items = e.items;
    _cfg._file[scoped] = std::move(v);
    return true;
  }

  // The driver `<service>.driver` names, flag > env > file, lower-cased.
  std::optional<std::string>
  serviceDriver(const std::string &service, const std::vector<RawEntry> &entries,
                const std::vector<std::pair<std::string, std::string>> &flags) const {
    std::string key = service + ".driver";
    std::optional<std::string> found;
    for (const auto &[k, v] : flags)
      if (resolve(k).scoped == key) found = v;
    if (!found) {
      if (const auto *e = env(envName(key))) found = e->second;
    }
    if (!found) {
      for (const auto &e : entries)
        if (e.kind == RawEntry::Scalar && resolve(e.path).scoped == key) found = e.text;
    }
    if (!found || trim(*found).empty()) return std::nullopt;
    return lower(trim(*found));
  }
};

// ---------------------------------------------------------------------------

std::vector<std::string> Config::defaultFiles(const std::string &etcDir) {
  std::vector<std::string> files = {etcDir + "/config.yml", etcDir + "/config.yaml"};
  const char *home = std::getenv("HOME");
  if (home && *home) {
    files.push_back(std::string(home) + "/.rexray/config.yml");
    files.push_back(std::string(home) + "/.rexray/config.yaml");
  }
  return files;
}

std::map<std::string, std::string> Config::processEnvironment() {
  std::map<std::string, std::string> env;
  for (char **e = environ; e && *e; ++e) {
    const char *eq = std::strchr(*e, '=');
    if (!eq) continue;
    env.emplace(std::string(*e, static_cast<size_t>(eq - *e)), std::string(eq + 1));
  }
  return env;
}

std::optional<int64_t> Config::parseDurationMs(const std::string &text) {
  return rexray::parseDurationMs(text);
}

Config Config::load(const Source &source) {
  Config cfg;
  ConfigLoader(cfg).run(source);
  return cfg;
}

const Config::Value *Config::find(const std::string &canonicalLowerKey) const {
  for (const auto *layer : {&_flags, &_env, &_file}) {
    auto it = layer->find(canonicalLowerKey);
    if (it != layer->end()) return &it->second;
  }
  return nullptr;
}

std::optional<Config::Value> Config::findDriverKey(const std::string &lowerKey) const {
  if (auto it = _flags.find(lowerKey); it != _flags.end()) return it->second;
  if (auto it = _envAll.find(envName(lowerKey)); it != _envAll.end()) {
    Value v;
    v.text = it->second.second;
    v.origin = "env " + it->second.first;
    return v;
  }
  if (auto it = _file.find(lowerKey); it != _file.end()) return it->second;
  return std::nullopt;
}

std::optional<Config::Value> Config::lookup(const std::string &key, std::string *label) const {
  Resolved r = resolve(key);
  if (r.kind == Resolved::Ignored) return std::nullopt;
  if (r.kind == Resolved::Unknown) {
    auto v = findDriverKey(r.scoped);
    if (v && label) *label = v->origin + ": " + key;
    return v;
  }
  const Value *found = find(lower(r.info->key));
  if (!found) return std::nullopt;
  Value v = *found;
  if (r.inverted) {
    // Stored values were validated, so a canonical boolean always parses.
    v.text = parseBool(v.text).value_or(false) ? "false" : "true";
  }
  if (label) *label = v.origin + ": " + key;
  return v;
}

std::optional<std::string> Config::string(const std::string &key) const {
  auto v = lookup(key, nullptr);
  if (!v) return std::nullopt;
  return v->text;
}

std::string Config::string(const std::string &key, const std::string &fallback) const {
  return string(key).value_or(fallback);
}

bool Config::boolean(const std::string &key, bool fallback) const {
  std::string label;
  auto v = lookup(key, &label);
  if (!v) return fallback;
  auto b = parseBool(v->text);
  if (!b)
    throw Error(ErrorKind::Config,
                fmt::format("{}: expected {}, got '{}'", label, describe(Type::Bool), v->text));
  return *b;
}

int64_t Config::integer(const std::string &key, int64_t fallback) const {
  std::string label;
  auto v = lookup(key, &label);
  if (!v) return fallback;
  auto n = parseInt(v->text);
  if (!n)
    throw Error(ErrorKind::Config,
                fmt::format("{}: expected {}, got '{}'", label, describe(Type::Int), v->text));
  return *n;
}

std::vector<std::string> Config::list(const std::string &key) const {
  auto v = lookup(key, nullptr);
  if (!v) return {};
  if (v->isList) return v->items;
  return splitWords(v->text);
}

int64_t Config::durationMs(const std::string &key, int64_t fallbackMs) const {
  std::string label;
  auto v = lookup(key, &label);
  if (!v) return fallbackMs;
  auto ms = parseDurationMs(v->text);
  if (!ms)
    throw Error(ErrorKind::Config,
                fmt::format("{}: expected {}, got '{}'", label, describe(Type::Duration), v->text));
  return *ms;
}

uint32_t Config::fileMode(const std::string &key, uint32_t fallback) const {
  std::string label;
  auto v = lookup(key, &label);
  if (!v) return fallback;
  auto m = parseMode(v->text);
  if (!m)
    throw Error(ErrorKind::Config,
                fmt::format("{}: expected {}, got '{}'", label, describe(Type::Mode), v->text));
  return *m;
}

// Name-first: the most specific section that sets the key wins, and within a
// section flag > env > file. So `ebs-west: {region: ...}` in a file beats an
// EBS_REGION in the environment, and a stray AWS_REGION (set for the AWS CLI)
// never overrides `ebs.region`.
std::optional<std::string> Config::driverValue(const std::string &service,
                                               const std::string &driver,
                                               const std::string &key) const {
  std::vector<std::string> names;
  auto add = [&](const std::string &n) {
    std::string l = lower(n);
    if (!l.empty() && std::find(names.begin(), names.end(), l) == names.end()) names.push_back(l);
  };
  add(service);
  add(driver);
  if (lower(driver) == "ebs") {
    add("ec2");
    add("aws");
  }
  std::string k = lower(key);
  for (const auto &n : names) {
    if (auto v = findDriverKey(n + "." + k)) return v->text;
  }
  return std::nullopt;
}

std::vector<std::string> Config::services() const {
  std::vector<std::string> out;
  if (const Value *v = find("rexray.storagedrivers")) {
    const auto items = v->isList ? v->items : splitWords(v->text);
    for (const auto &s : items)
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  if (out.empty()) out.push_back("vfs");
  return out;
}

std::vector<std::string> Config::environmentLines() const {
  // Keyed by env-style name; layers applied file, env, flag so the effective
  // value is what remains.
  std::map<std::string, std::string> lines;
  auto isCanonical = [](const std::string &lowerKey) { return canonicalInfo(lowerKey); };
  for (const auto &[k, v] : _file)
    if (!isCanonical(k)) lines[envName(k)] = v.text;
  for (const auto &section : _sections) {
    std::string prefix = envName(section) + "_";
    const DriverKeys *d = knownDriver(section);
    for (const auto &[upperName, nv] : _envAll) {
      if (!startsWith(upperName, prefix)) continue;
      // Known drivers only show their own keys: AWS_ACCESS_KEY_ID and friends
      // belong to other tools.
      if (d) {
        std::string rest = upperName.substr(prefix.size());
        bool known = rest == "DRIVER";
        for (const auto &k : d->keys) known = known || envName(k) == rest;
        if (!known) continue;
      }
      lines[upperName] = nv.second;
    }
  }
  for (const auto &[k, v] : _flags)
    if (!isCanonical(k)) lines[envName(k)] = v.text;
  for (const auto &info : kKeys)
    if (const Value *v = find(lower(info.key))) lines[envName(info.key)] = v->text;

  std::vector<std::string> out;
  for (const auto &[name, value] : lines)
    out.push_back(name + "=" + (isSecret(name) && !value.empty() ? "******" : value));
  return out;
}

std::optional<std::string> Config::keyForFlag(const std::string &flag) {
  std::string name = flag;
  while (!name.empty() && name[0] == '-') name.erase(0, 1);
  if (name.empty()) return std::nullopt;

  if (name.find('.') != std::string::npos) {
    Resolved r = resolve(name);
    if (r.kind == Resolved::Canonical) {
      if (r.inverted) return name;
      return std::string(r.info->key);
    }
    if (r.kind == Resolved::Unknown) {
      std::string section = sectionOf(r.scoped);
      if (const DriverKeys *d = knownDriver(section)) {
        if (r.scoped.size() > section.size()) {
          std::string k = knownDriverKey(*d, r.scoped.substr(section.size() + 1));
          if (!k.empty()) return section + "." + k;
        }
      }
    }
    return std::nullopt;
  }

  // Built once: flag form -> key. Canonical keys first so they win any clash.
  // Config is scoped to `rexray`, so every key is reachable with and without
  // the `rexray` prefix (`--rexrayLogLevel`, `--pluginsPath`).
  static const std::vector<std::pair<std::string, std::string>> table = [] {
    std::vector<std::pair<std::string, std::string>> t;
    auto add = [&t](const std::string &spelling, const std::string &key) {
      t.emplace_back(flagForm(spelling), key);
      if (startsWith(lower(spelling), "rexray."))
        t.emplace_back(flagForm(spelling.substr(7)), key);
      else
        t.emplace_back("rexray" + flagForm(spelling), key);
    };
    for (const auto &k : kKeys) add(k.key, k.key);
    // An inverted alias maps to itself: its value means the opposite of the
    // canonical key's, and Source.flags accepts alias keys.
    for (const auto &a : kAliases) add(a.alias, a.inverted ? a.alias : a.canonical);
    for (const auto &d : driverTable())
      for (const auto &k : d.keys)
        add(std::string(d.driver) + "." + k, std::string(d.driver) + "." + k);
    return t;
  }();
  std::string form = lower(name);
  for (const auto &[f, key] : table)
    if (f == form) return key;
  return std::nullopt;
}

} // namespace rexray
