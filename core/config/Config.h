#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rexray {

// The effective configuration: YAML files, then environment variables, then
// command-line flags (precedence flag > env > file), mapped onto one model of
// canonical keys. Keys are case-insensitive. Both the 0.3 names
// (`volume.mount.preempt`, `docker.size`, `linux.volume.rootpath`) and the
// libStorage names (`libstorage.integration.volume.operations.mount.preempt`)
// map to the same canonical key; see Config.cpp's key table.
//
// Canonical keys core reads (type, default):
//   rexray.logLevel                       string  warn
//   rexray.storageDrivers                 list    [vfs]
//   rexray.plugins.path                   list    []
//   volume.mount.preempt                  bool    false
//   volume.unmount.ignoreUsedCount        bool    false
//   volume.path.cache                     bool    true
//   volume.create.disable                 bool    false
//   volume.create.implicit                bool    true
//   volume.remove.disable                 bool    false
//   volume.remove.force                   bool    false
//   volume.create.default.size            int     16      (GiB)
//   volume.create.default.type            string  ""
//   volume.create.default.iops            int     0
//   volume.create.default.availabilityZone string ""
//   volume.create.default.fsType          string  ext4
//   volume.mount.path                     string  <libDir>/volumes
//   volume.mount.rootPath                 string  /data
//   volume.mount.fileMode                 mode    0700    (octal)
//   volume.mount.retryCount               int     0
//   volume.mount.retryWait                duration 5s     (milliseconds)
//   device.attachTimeout                  duration 30s    (milliseconds)
//   docker.timeout.long                   duration 2m     (Docker Create, Mount)
//   docker.timeout.short                  duration 1m     (every other Docker call)
// Driver sections (`vfs.root`, `virtualbox.endpoint`, ...) are read through
// driverValue().
class Config {
public:
  struct Source {
    std::vector<std::string> files;           // searched in order; missing ones skipped
    std::vector<std::string> requiredFiles;   // -c FILE: must exist
    std::map<std::string, std::string> env;   // usually the process environment
    std::map<std::string, std::string> flags; // canonical or alias key -> value
  };

  // The default search order: <etcDir>/config.yml, then ~/.rexray/config.yml
  // (and the .yaml spellings).
  static std::vector<std::string> defaultFiles(const std::string &etcDir);
  // A copy of the process environment.
  static std::map<std::string, std::string> processEnvironment();

  // Loads and validates. Throws rexray::Error(ErrorKind::Config) naming
  // file:line for YAML syntax errors and wrong value types.
  static Config load(const Source &source);

  // Typed access to canonical keys (aliases accepted). A value of the wrong
  // type from env or a flag throws Error(Config) naming the variable or flag.
  std::optional<std::string> string(const std::string &key) const;
  std::string string(const std::string &key, const std::string &fallback) const;
  bool boolean(const std::string &key, bool fallback) const;
  int64_t integer(const std::string &key, int64_t fallback) const;
  std::vector<std::string> list(const std::string &key) const; // env/flag lists: space-separated
  int64_t durationMs(const std::string &key,
                     int64_t fallbackMs) const; // "30s", "500ms", "2m", "1h" or plain seconds
  uint32_t fileMode(const std::string &key, uint32_t fallback) const; // "0700" / 448

  // A driver's setting: `<service>.<key>` then `<driver>.<key>` (plus the
  // driver's historical section aliases, e.g. ec2/aws for ebs), each from
  // flag, env (`VIRTUALBOX_ENDPOINT`) or file. Lists come back space-separated.
  std::optional<std::string> driverValue(const std::string &service, const std::string &driver,
                                         const std::string &key) const;

  // The configured services in order; the first is the default.
  // No configuration at all gives {"vfs"}.
  std::vector<std::string> services() const;

  // Warnings collected while loading ("config.yml:12: unknown key 'volume.mount.preemt'").
  const std::vector<std::string> &warnings() const { return _warnings; }
  // The files that were read, in order.
  const std::vector<std::string> &filesRead() const { return _filesRead; }

  // KEY=VALUE lines of every set value with env-style names, secrets
  // (password, secretKey, token, ...) shown as "******", sorted.
  std::vector<std::string> environmentLines() const;

  // A duration as the configuration writes them ("30s", "500ms", "1m30s", or
  // plain seconds) in milliseconds; nullopt when it is not one.
  static std::optional<int64_t> parseDurationMs(const std::string &text);

  // Maps a derived flag name (lower-camel concatenation: "volumeMountPreempt",
  // "virtualboxEndpoint") to its key; nullopt for an unknown flag.
  static std::optional<std::string> keyForFlag(const std::string &flag);

private:
  struct Value {
    std::string text;               // scalar text, or space-joined list
    std::vector<std::string> items; // list items when isList
    bool isList = false;
    bool isMap = false;
    std::string origin; // "file:line", "env VAR", "flag --x"
  };
  // Lower-cased canonical key -> value, one map per layer. Driver settings
  // live in _file and _flags too, under their lower-cased `<section>.<key>`.
  std::map<std::string, Value> _file, _env, _flags;
  std::vector<std::string> _warnings;
  std::vector<std::string> _filesRead;
  // The environment by upper-cased name -> (name as given, value): a driver's
  // keys are only known when it asks, so driver env vars are looked up late.
  std::map<std::string, std::pair<std::string, std::string>> _envAll;
  // Lower-cased names of the driver sections in play: known drivers, the
  // configured services and the drivers they name (`<service>.driver`).
  std::vector<std::string> _sections;

  friend class ConfigLoader;
  const Value *find(const std::string &canonicalLowerKey) const;
  std::optional<Value> findDriverKey(const std::string &lowerKey) const;
  // Any key (canonical, alias or `<section>.<key>`); `label` names the key for
  // error messages.
  std::optional<Value> lookup(const std::string &key, std::string *label) const;
};

} // namespace rexray
