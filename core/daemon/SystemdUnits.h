#pragma once

#include "util/Paths.h"

#include <string>
#include <vector>

namespace rexray {

// The systemd units that run REX-Ray as a service (`rexray install`, and the
// Debian package, which ships what `rexray install --root` writes).
//
// rexray.socket holds the Docker plugin sockets and the control socket, so
// they exist before the daemon (and before docker.service) and stay open
// while it restarts or is upgraded: a request that arrives meanwhile waits in
// the backlog. rexray.service runs `rexray start -f`, which takes those
// sockets (daemon/SocketActivation.h) and logs to the journal.
namespace systemd {

constexpr const char *kServiceUnit = "rexray.service";
constexpr const char *kSocketUnit = "rexray.socket";
// Where an administrator's units live, and where packages put theirs.
constexpr const char *kAdminUnitDir = "/etc/systemd/system";
const std::vector<std::string> &vendorUnitDirs();
// The environment file the service reads, if present.
constexpr const char *kEnvironmentFile = "/etc/rexray/rexray.env";

struct UnitSettings {
  std::string binary;               // absolute path of rexray
  std::vector<std::string> sockets; // unix socket paths rexray.socket listens on
  std::string home;                 // REXRAY_HOME for the service ("" = none)
};

// The sockets a daemon with these paths and services serves: the default
// Docker socket, one per service, and the control API.
std::vector<std::string> daemonSockets(const Paths &paths,
                                       const std::vector<std::string> &services);
std::string serviceUnit(const UnitSettings &settings);
std::string socketUnit(const UnitSettings &settings);

// True when systemd is the init system (sd_booted(3): /run/systemd/system).
bool running();

} // namespace systemd
} // namespace rexray
