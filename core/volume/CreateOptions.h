#pragma once

#include "plugin/PluginLoader.h"
#include "volume/Types.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rexray {

// A create-option map, as Docker's `--opt`, dvdcli's `--volumeopts` and the
// CLI's `--opt KEY=VALUE` give it; keys case-insensitive. rexray's own
// options: size, iops, volumeType/type, availabilityZone, encrypted,
// encryptionKey, volumeName/volumeID (copy a volume), snapshotName/snapshotID
// (restore), newFsType/fsType (format now), overwriteFs. A bad value of one
// of those is Error(Invalid) naming it. Every other key is kept, as given, in
// CreateSpec::driverOptions for the service's driver to claim
// (declaredDriverOptions).
CreateSpec parseCreateOptions(const std::string &name,
                              const std::map<std::string, std::string> &options);

// rexray's own option names, for messages.
const std::vector<std::string> &coreCreateOptionNames();

// Matches each driver option against what the service's plugin declares
// (case-insensitive), checks its value against the declared type, and
// returns (declared name, value) pairs. An option nobody declares is
// Error(Invalid) naming the options that exist for `service`.
std::vector<std::pair<std::string, std::string>>
declaredDriverOptions(const std::string &service, const PluginInfo &plugin,
                      const std::map<std::string, std::string> &driverOptions);

} // namespace rexray
