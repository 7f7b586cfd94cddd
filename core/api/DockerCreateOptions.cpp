#include "api/DockerCreateOptions.h"

#include "util/Error.h"
#include "util/Names.h"

namespace rexray {
namespace {

int64_t wholeNumber(const std::string &option, const std::string &value, int64_t minimum) {
  size_t used = 0;
  int64_t n = 0;
  try {
    n = std::stoll(value, &used);
  } catch (const std::exception &) {
    used = 0;
  }
  if (value.empty() || used != value.size())
    throw Error(ErrorKind::Invalid, "option " + option + ": '" + value + "' is not a whole number");
  if (n < minimum)
    throw Error(ErrorKind::Invalid, "option " + option + ": must be at least " +
                                        std::to_string(minimum) + ", got " + value);
  return n;
}

bool boolean(const std::string &option, const std::string &value) {
  const std::string v = toLower(value);
  if (v == "true" || v == "1" || v == "yes" || v == "on" || v.empty()) return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  throw Error(ErrorKind::Invalid, "option " + option + ": '" + value + "' is not true or false");
}

} // namespace

CreateSpec parseDockerCreateOptions(const std::string &name,
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
      throw Error(ErrorKind::Invalid,
                  "unknown option '" + rawKey +
                      "' (known: size, iops, volumeType, type, availabilityZone, encrypted, "
                      "encryptionKey, volumeName, volumeID, snapshotName, snapshotID, newFsType, "
                      "fsType, overwriteFs)");
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
