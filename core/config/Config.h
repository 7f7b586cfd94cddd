#pragma once

#include "config/DriverSchema.h"

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
// map to the same canonical key; see CoreKeys.cpp.
//
// The keys core reads, their types and defaults are CoreKeys.cpp's table
// (`rexray env --all` prints it).
// Every other top-level section (`vfs:`, `ec2:`, ...) is a driver's: load()
// keeps its values with their origins, and the plugin's declared schema judges
// them once the plugin is known (checkDriverSections, driverValue).
class Config {
public:
  struct Source {
    std::vector<std::string> files;           // searched in order; missing ones skipped
    std::vector<std::string> requiredFiles;   // -c FILE: must exist
    std::map<std::string, std::string> env;   // usually the process environment
    std::map<std::string, std::string> flags; // canonical or alias key -> value
    // Names known to be driver sections besides the configured services and
    // the sections in the files (e.g. the built-in plugins' names and
    // aliases): flags for them are accepted.
    std::vector<std::string> driverSections;
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

  // A driver's setting: from the first of the driver's sections that sets
  // the key, in any spelling its plugin declares for it (`ebs.rexrayTag` is
  // ebs's `tag`); within a section flag > env (`VIRTUALBOX_ENDPOINT`) > file.
  // Lists come back space-separated.
  std::optional<std::string> driverValue(const DriverSections &driver,
                                         const std::string &key) const;
  // Judges what the configuration sets in the driver's sections by the keys
  // its plugin declares (nothing when it declares none). Returns a warning
  // for each unknown key ("c.yml:12: unknown configuration key 'ec2.regoin'");
  // throws Error(Config) naming file:line, the variable or the flag for a
  // value of the wrong type.
  std::vector<std::string> checkDriverSections(const DriverSections &driver) const;

  // The configured services in order; the first is the default.
  // No configuration at all gives {"vfs"}.
  std::vector<std::string> services() const;

  // Warnings collected while loading ("config.yml:12: unknown key 'volume.mount.preemt'").
  const std::vector<std::string> &warnings() const { return _warnings; }
  // The files that were read, in order.
  const std::vector<std::string> &filesRead() const { return _filesRead; }

  // KEY=VALUE lines of every set value with env-style names, sorted. Values
  // of keys the drivers declare secret are shown as "******", and so are, in
  // sections no given driver claims, names that look secret (password, ...).
  std::vector<std::string> environmentLines(const std::vector<DriverSections> &drivers = {}) const;

  // One line of `rexray env --all`.
  struct Setting {
    std::string name;   // env-style (VOLUME_MOUNT_PREEMPT, VFS_ROOT)
    std::string value;  // "******" for secrets
    std::string origin; // "" = the default; else "file:line", "env VAR", "flag --x"
  };
  // Every core key with its value or default, then each service's declared
  // keys (named by the service) with their values or declared defaults.
  std::vector<Setting>
  settings(const std::vector<std::pair<std::string, DriverSections>> &services) const;

  // Maps a flag to the core key it sets: a derived flag name (lower-camel
  // concatenation: "volumeMountPreempt") or a dotted key; nullopt otherwise.
  static std::optional<std::string> keyForFlag(const std::string &flag);
  // Whether a flag that is no core key may set a driver setting
  // ("--virtualboxEndpoint", "--ebs.region"); load() decides whether one of
  // the sections in play has it.
  static bool isDriverFlag(const std::string &flag);

private:
  struct Value {
    std::string text;               // scalar text, or space-joined list
    std::vector<std::string> items; // list items when isList
    bool isList = false;
    std::string origin;  // "file:line", "env VAR", "flag --x"
    std::string written; // a file's key as written, for messages
    size_t order = 0;    // a file value's place among all file values
  };
  // Core keys: lower-cased canonical key -> value, one map per layer.
  std::map<std::string, Value> _file, _env, _flags;
  // Driver sections, kept raw with their origins until a plugin's schema
  // judges them: file values by lower-cased `<section>.<key>`, flag values by
  // flag form (a camel flag cannot be split into section and key without the
  // schema).
  std::map<std::string, Value> _sectionFile, _sectionFlags;
  // The environment by upper-cased name -> (name as given, value): a driver's
  // keys are only known when its plugin is, so driver env vars are looked up late.
  std::map<std::string, std::pair<std::string, std::string>> _envAll;
  std::vector<std::string> _warnings;
  std::vector<std::string> _filesRead;

  friend class ConfigLoader;
  const Value *find(const std::string &canonicalLowerKey) const;
  // One section's value of one key as spelled, flag > env > file.
  std::optional<Value> sectionValue(const std::string &section, const std::string &key) const;
  // A driver's setting with its origin (see driverValue).
  std::optional<Value> driverLookup(const DriverSections &driver, const std::string &key) const;
  // Any key (canonical, alias or `<section>.<key>`); `label` names the key for
  // error messages.
  std::optional<Value> lookup(const std::string &key, std::string *label) const;
};

} // namespace rexray
