#pragma once

#include <string>

namespace rexray {

// REX-Ray's runtime directories; each moves under $REXRAY_HOME when it is set
// (REXRAY_HOME=/tmp/x gives /tmp/x/etc/rexray, /tmp/x/var/lib/rexray, ...).
struct Paths {
  std::string home;             // "" when REXRAY_HOME is unset
  std::string etcDir;           // /etc/rexray
  std::string libDir;           // /var/lib/rexray
  std::string logDir;           // /var/log/rexray
  std::string runDir;           // /var/run/rexray
  std::string dockerPluginsDir; // /run/docker/plugins

  // Reads REXRAY_HOME from the environment.
  static Paths fromEnvironment();
  static Paths underHome(const std::string &home);

  std::string stateDbPath() const { return libDir + "/rexray.db"; }
  std::string pidFilePath() const { return runDir + "/rexray.pid"; }
  std::string controlSocketPath() const { return runDir + "/rexray.sock"; }
  std::string logFilePath() const { return logDir + "/rexray.log"; }
  // The state directory the host gives a service's driver instance.
  std::string driverStateDir(const std::string &service) const { return libDir + "/" + service; }
};

} // namespace rexray
