#include "daemon/SystemdUnits.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <string>

using namespace rexray;

namespace {

bool hasLine(const std::string &text, const std::string &line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

systemd::UnitSettings settings() {
  systemd::UnitSettings s;
  s.binary = "/usr/bin/rexray";
  s.sockets = systemd::daemonSockets(Paths::underHome(""), {"vfs"});
  return s;
}

} // namespace

TEST_CASE("SystemdUnits: the daemon's sockets are the default Docker one, one per service, "
          "and the control API") {
  const Paths paths = Paths::underHome("");
  CHECK(systemd::daemonSockets(paths, {"ebs", "rexray", "vfs"}) ==
        std::vector<std::string>{"/run/docker/plugins/rexray.sock", "/run/docker/plugins/ebs.sock",
                                 "/run/docker/plugins/vfs.sock", "/var/run/rexray/rexray.sock"});
}

TEST_CASE("SystemdUnits: the service runs `start -f` after the network, before Docker") {
  const std::string unit = systemd::serviceUnit(settings());
  for (const char *line :
       {"After=network-online.target rexray.socket", "Wants=network-online.target",
        "Requires=rexray.socket", "Before=docker.service", "Restart=on-failure",
        "ExecStart=/usr/bin/rexray start -f", "EnvironmentFile=-/etc/rexray/rexray.env",
        "NoNewPrivileges=yes", "WantedBy=multi-user.target"})
    CHECK_MESSAGE(hasLine(unit, line), line);
  CHECK(unit.find("Environment=REXRAY_HOME") == std::string::npos);
  // Its mounts must be Docker's too: nothing that gives it a mount namespace
  // or a device policy.
  for (const char *directive :
       {"\nProtectSystem=", "\nProtectHome=", "\nPrivateTmp=", "\nPrivateDevices=",
        "\nReadWritePaths=", "\nReadOnlyPaths=", "\nDeviceAllow=", "\nDevicePolicy=",
        "\nMountFlags=", "\nProtectKernelTunables=", "\nProtectControlGroups=", "\nProtectClock="})
    CHECK_MESSAGE(unit.find(directive) == std::string::npos, directive);
  CHECK(unit.find("CAP_SYS_ADMIN") != std::string::npos);
}

TEST_CASE("SystemdUnits: the socket unit listens on every socket, /var/run written as /run") {
  const std::string unit = systemd::socketUnit(settings());
  CHECK(hasLine(unit, "ListenStream=/run/docker/plugins/rexray.sock"));
  CHECK(hasLine(unit, "ListenStream=/run/docker/plugins/vfs.sock"));
  CHECK(hasLine(unit, "ListenStream=/run/rexray/rexray.sock"));
  CHECK(hasLine(unit, "Before=docker.service"));
  CHECK(hasLine(unit, "Service=rexray.service"));
  CHECK(hasLine(unit, "SocketMode=0660"));
  CHECK(hasLine(unit, "WantedBy=sockets.target"));
}

TEST_CASE("SystemdUnits: REXRAY_HOME goes into the service's environment") {
  auto s = settings();
  s.home = "/srv/rexray";
  CHECK(hasLine(systemd::serviceUnit(s), "Environment=REXRAY_HOME=/srv/rexray"));
}

TEST_CASE("SystemdUnits: a path a unit file would misread is refused") {
  auto s = settings();
  s.binary = "/opt/my tools/rexray";
  CHECK_THROWS_AS(systemd::serviceUnit(s), Error);
  s.binary = "rexray";
  CHECK_THROWS_AS(systemd::serviceUnit(s), Error);
  s = settings();
  s.sockets.push_back("/run/%i.sock");
  CHECK_THROWS_WITH_AS(
      systemd::socketUnit(s),
      doctest::Contains("socket path '/run/%i.sock' cannot go into a systemd unit"), Error);
}
