#include "volume/CreateOptions.h"

#include "config/ValueParsers.h"
#include "util/Error.h"
#include "util/Names.h"

#include <fmt/format.h>

#include <Poco/String.h>

namespace rexray {
namespace {

int64_t wholeNumber(const std::string &option, const std::string &value, int64_t minimum) {
  const auto n = parseInt(value);
  if (!n)
    throw Error(ErrorKind::Invalid, "option " + option + ": '" + value + "' is not a whole number");
  if (*n < minimum)
    throw Error(ErrorKind::Invalid, "option " + option + ": must be at least " +
                                        std::to_string(minimum) + ", got " + value);
  return *n;
}

// A bare option (`-o encrypted`) means true.
bool boolean(const std::string &option, const std::string &value) {
  if (value.empty()) return true;
  if (auto b = parseBool(value)) return *b;
  throw Error(ErrorKind::Invalid, "option " + option + ": '" + value + "' is not true or false");
}

// Only the form; the driver judges the meaning.
void checkType(const std::string &option, rxr_value_type type, const std::string &value) {
  switch (type) {
  case RXR_TYPE_INT: wholeNumber(option, value, 0); break;
  case RXR_TYPE_BOOL: boolean(option, value); break;
  case RXR_TYPE_DURATION:
    if (!parseDurationMs(value))
      throw Error(ErrorKind::Invalid,
                  "option " + option + ": '" + value + "' is not a duration (e.g. 30s, 500ms, 2m)");
    break;
  case RXR_TYPE_STRING:
  case RXR_TYPE_LIST: break;
  }
}

// rexray's own options: every spelling each is known by, and what it sets.
// The parser and the names in messages both come from this one table.
struct CoreOption {
  std::vector<const char *> names;
  void (*apply)(CreateSpec &, const std::string &key, const std::string &value);
};

const std::vector<CoreOption> &coreOptions() {
  static const std::vector<CoreOption> options = {
      {{"size"},
       [](CreateSpec &s, const std::string &k, const std::string &v) {
         s.sizeGiB = wholeNumber(k, v, 1);
       }},
      {{"iops"},
       [](CreateSpec &s, const std::string &k, const std::string &v) {
         s.iops = wholeNumber(k, v, 0);
       }},
      {{"volumeType", "type"},
       [](CreateSpec &s, const std::string &, const std::string &v) { s.type = v; }},
      {{"availabilityZone"},
       [](CreateSpec &s, const std::string &, const std::string &v) { s.availabilityZone = v; }},
      {{"encrypted"},
       [](CreateSpec &s, const std::string &k, const std::string &v) {
         s.encrypted = boolean(k, v);
       }},
      {{"encryptionKey"},
       [](CreateSpec &s, const std::string &, const std::string &v) { s.encryptionKey = v; }},
      {{"volumeName", "volumeID"},
       [](CreateSpec &s, const std::string &, const std::string &v) { s.fromVolume = v; }},
      {{"snapshotName", "snapshotID"},
       [](CreateSpec &s, const std::string &, const std::string &v) { s.fromSnapshot = v; }},
      {{"newFsType", "fsType"},
       [](CreateSpec &s, const std::string &, const std::string &v) { s.newFsType = v; }},
      {{"overwriteFs"},
       [](CreateSpec &s, const std::string &k, const std::string &v) {
         s.overwriteFs = boolean(k, v);
       }},
  };
  return options;
}

const CoreOption *coreOption(const std::string &key) {
  for (const auto &option : coreOptions())
    for (const char *name : option.names)
      if (Poco::icompare(key, name) == 0) return &option;
  return nullptr;
}

} // namespace

const std::vector<std::string> &coreCreateOptionNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto &option : coreOptions())
      out.insert(out.end(), option.names.begin(), option.names.end());
    return out;
  }();
  return names;
}

std::vector<std::pair<std::string, std::string>>
declaredDriverOptions(const std::string &service, const PluginInfo &plugin,
                      const std::map<std::string, std::string> &driverOptions) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto &[given, value] : driverOptions) {
    const PluginCreateOption *declared = nullptr;
    for (const auto &option : plugin.createOptions)
      if (Poco::icompare(option.name, given) == 0) declared = &option;
    if (!declared) {
      std::vector<std::string> driverNames;
      for (const auto &option : plugin.createOptions) driverNames.push_back(option.name);
      throw Error(ErrorKind::Invalid,
                  fmt::format("unknown option '{}' (known: {}; service {} (driver {}): {})", given,
                              fmt::join(coreCreateOptionNames(), ", "), service, plugin.name,
                              driverNames.empty()
                                  ? std::string("none")
                                  : fmt::format("{}", fmt::join(driverNames, ", "))));
    }
    checkType(declared->name, declared->type, value);
    out.emplace_back(declared->name, value);
  }
  return out;
}

CreateSpec parseCreateOptions(const std::string &name,
                              const std::map<std::string, std::string> &options) {
  CreateSpec spec;
  spec.name = name;
  for (const auto &[key, value] : options) {
    if (const CoreOption *option = coreOption(key))
      option->apply(spec, key, value);
    else
      spec.driverOptions[key] = value;
  }
  if (!spec.fromVolume.empty() && !spec.fromSnapshot.empty())
    throw Error(ErrorKind::Invalid,
                "options volumeID and snapshotID exclude each other: copy a volume or restore a "
                "snapshot");
  if (!spec.newFsType.empty()) {
    const std::string t = toLower(spec.newFsType);
    if (t != "ext4" && t != "ext3" && t != "xfs" && t != "btrfs")
      throw Error(ErrorKind::Invalid, "option newFsType: unsupported file system '" +
                                          spec.newFsType + "' (use ext4, ext3, xfs or btrfs)");
    spec.newFsType = t;
  }
  return spec;
}

} // namespace rexray
