#include "daemon/SystemdUnits.h"

#include "daemon/Daemon.h"

#include "util/Error.h"

#include <Poco/File.h>

#include <fmt/format.h>

namespace rexray::systemd {
namespace {

// systemd rewrites /var/run/ to /run/ itself, with a warning; the daemon
// matches what it is handed by the canonical path, so both name one socket.
std::string withoutLegacyRun(const std::string &path) {
  const std::string legacy = "/var/run/";
  return path.rfind(legacy, 0) == 0 ? "/run/" + path.substr(legacy.size()) : path;
}

// Unit files split arguments at spaces and treat % and $ specially.
void requireUnitSafe(const std::string &what, const std::string &value) {
  if (value.empty() || value[0] != '/' || value.find_first_of(" \t\n\"'\\%$;") != std::string::npos)
    throw Error(ErrorKind::Invalid,
                what + " '" + value +
                    "' cannot go into a systemd unit: it must be an absolute path without "
                    "spaces, quotes, backslashes, '%', '$' or ';'");
}

} // namespace

const std::vector<std::string> &vendorUnitDirs() {
  static const std::vector<std::string> dirs = {"/usr/lib/systemd/system", "/lib/systemd/system"};
  return dirs;
}

std::vector<std::string> daemonSockets(const Paths &paths,
                                       const std::vector<std::string> &services) {
  std::vector<std::string> sockets;
  for (const auto &socket : dockerSockets(paths, services)) sockets.push_back(socket.path);
  sockets.push_back(paths.controlSocketPath());
  return sockets;
}

std::string serviceUnit(const UnitSettings &settings) {
  requireUnitSafe("the rexray binary", settings.binary);
  std::string environment;
  if (!settings.home.empty()) {
    requireUnitSafe("REXRAY_HOME", settings.home);
    environment = "Environment=REXRAY_HOME=" + settings.home + "\n";
  }
  return fmt::format(
      R"(# Written by `rexray install`; `rexray uninstall` removes it.
[Unit]
Description=REX-Ray storage orchestrator for containers
Documentation=man:rexray(1)
Wants=network-online.target
After=network-online.target {socket}
Requires={socket}
Before=docker.service

[Service]
Type=simple
{environment}EnvironmentFile=-{envfile}
ExecStart={binary} start -f
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=2s
TimeoutStopSec=150s
LimitNOFILE=1048576
UMask=0027
# Hardening that keeps what REX-Ray is for: attaching, formatting and mounting
# volumes for Docker. No directive here may give the service a mount
# namespace of its own (ProtectSystem=, ProtectHome=, PrivateTmp=,
# PrivateDevices=, ReadWritePaths=, ...): its mounts would then be invisible
# to Docker. No device policy either: loop and cloud block devices come and
# go. What remains is enforced by capabilities and seccomp.
NoNewPrivileges=yes
CapabilityBoundingSet=CAP_SYS_ADMIN CAP_MKNOD CAP_CHOWN CAP_FOWNER CAP_FSETID CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_SYS_RESOURCE
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
Also={socket}
)",
      fmt::arg("socket", kSocketUnit), fmt::arg("environment", environment),
      fmt::arg("envfile", kEnvironmentFile), fmt::arg("binary", settings.binary));
}

std::string socketUnit(const UnitSettings &settings) {
  std::string listen;
  for (const auto &path : settings.sockets) {
    requireUnitSafe("socket path", path);
    listen += "ListenStream=" + withoutLegacyRun(path) + "\n";
  }
  return fmt::format(
      R"(# Written by `rexray install`; `rexray uninstall` removes it.
# The sockets exist before REX-Ray (and before Docker) and stay open while it
# restarts: a request arriving meanwhile waits and is answered.
[Unit]
Description=REX-Ray Docker volume plugin and control sockets
Documentation=man:rexray(1)
Before=docker.service

[Socket]
{listen}FileDescriptorName=rexray
SocketMode=0660
DirectoryMode=0755
RemoveOnStop=yes
Service={service}

[Install]
WantedBy=sockets.target
)",
      fmt::arg("listen", listen), fmt::arg("service", kServiceUnit));
}

bool running() {
  return Poco::File("/run/systemd/system").exists();
}

} // namespace rexray::systemd
