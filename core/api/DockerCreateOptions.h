#pragma once

#include "volume/Types.h"

#include <map>
#include <string>

namespace rexray {

// Docker's `--opt` map for VolumeDriver.Create, keys case-insensitive:
// size, iops, volumeType/type, availabilityZone, encrypted, encryptionKey,
// volumeName/volumeID (copy a volume), snapshotName/snapshotID (restore),
// newFsType/fsType (format now), overwriteFs. An unknown key or a bad value
// is Error(Invalid) naming the option.
CreateSpec parseDockerCreateOptions(const std::string &name,
                                    const std::map<std::string, std::string> &options);

} // namespace rexray
