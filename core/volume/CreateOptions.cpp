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

} // namespace

const std::vector<std::string> &coreCreateOptionNames() {
  static const std::vector<std::string> names = {
      "size",       "iops",          "volumeType", "type",       "availabilityZone",
      "encrypted",  "encryptionKey", "volumeName", "volumeID",   "snapshotName",
      "snapshotID", "newFsType",     "fsType",     "overwriteFs"};
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
  for (const auto &[rawKey, value] : options) {
    const std::string key = toLower(rawKey);
    if (key == "size")
      spec.sizeGiB = wholeNumber(rawKey, value, 1);
    else if (key == "iops")
      spec.iops = wholeNumber(rawKey, value, 0);
    else if (key == "volumetype" || key == "type")
      spec.type = value;
    else if (key == "availabilityzone")
      spec.availabilityZone = value;
    else if (key == "encrypted")
      spec.encrypted = boolean(rawKey, value);
    else if (key == "encryptionkey")
      spec.encryptionKey = value;
    else if (key == "volumename" || key == "volumeid")
      spec.fromVolume = value;
    else if (key == "snapshotname" || key == "snapshotid")
      spec.fromSnapshot = value;
    else if (key == "newfstype" || key == "fstype")
      spec.newFsType = value;
    else if (key == "overwritefs")
      spec.overwriteFs = boolean(rawKey, value);
    else
      spec.driverOptions[rawKey] = value;
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
