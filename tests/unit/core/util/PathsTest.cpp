#include "util/Paths.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>
#include <string>

using rexray::Paths;

namespace {

// Sets or unsets an environment variable for one scope and restores the old
// value afterwards, also when the test fails.
class EnvVar {
public:
  EnvVar(std::string name, const std::optional<std::string> &value) : _name(std::move(name)) {
    if (const char *old = std::getenv(_name.c_str())) _old = old;
    if (value)
      ::setenv(_name.c_str(), value->c_str(), 1);
    else
      ::unsetenv(_name.c_str());
  }
  ~EnvVar() {
    if (_old)
      ::setenv(_name.c_str(), _old->c_str(), 1);
    else
      ::unsetenv(_name.c_str());
  }
  EnvVar(const EnvVar &) = delete;
  EnvVar &operator=(const EnvVar &) = delete;

private:
  std::string _name;
  std::optional<std::string> _old;
};

void checkSystemPaths(const Paths &p) {
  CHECK(p.home.empty());
  CHECK(p.etcDir == "/etc/rexray");
  CHECK(p.libDir == "/var/lib/rexray");
  CHECK(p.logDir == "/var/log/rexray");
  CHECK(p.runDir == "/var/run/rexray");
  CHECK(p.dockerPluginsDir == "/run/docker/plugins");
  CHECK(p.stateDbPath() == "/var/lib/rexray/rexray.db");
  CHECK(p.pidFilePath() == "/var/run/rexray/rexray.pid");
  CHECK(p.controlSocketPath() == "/var/run/rexray/rexray.sock");
  CHECK(p.logFilePath() == "/var/log/rexray/rexray.log");
}

} // namespace

TEST_CASE("Paths: without REXRAY_HOME everything is in the system directories") {
  EnvVar home("REXRAY_HOME", std::nullopt);
  checkSystemPaths(Paths::fromEnvironment());
  checkSystemPaths(Paths::underHome(""));
}

TEST_CASE("Paths: an empty REXRAY_HOME counts as unset") {
  EnvVar home("REXRAY_HOME", std::string());
  checkSystemPaths(Paths::fromEnvironment());
}

TEST_CASE("Paths: REXRAY_HOME moves every directory under it") {
  EnvVar home("REXRAY_HOME", std::string("/tmp/rr"));
  const Paths p = Paths::fromEnvironment();
  CHECK(p.home == "/tmp/rr");
  CHECK(p.etcDir == "/tmp/rr/etc/rexray");
  CHECK(p.libDir == "/tmp/rr/var/lib/rexray");
  CHECK(p.logDir == "/tmp/rr/var/log/rexray");
  CHECK(p.runDir == "/tmp/rr/var/run/rexray");
  CHECK(p.dockerPluginsDir == "/tmp/rr/run/docker/plugins");
  CHECK(p.stateDbPath() == "/tmp/rr/var/lib/rexray/rexray.db");
  CHECK(p.pidFilePath() == "/tmp/rr/var/run/rexray/rexray.pid");
  CHECK(p.controlSocketPath() == "/tmp/rr/var/run/rexray/rexray.sock");
  CHECK(p.logFilePath() == "/tmp/rr/var/log/rexray/rexray.log");
}

TEST_CASE("Paths: trailing slashes on REXRAY_HOME do not double up") {
  EnvVar home("REXRAY_HOME", std::string("/tmp/rr//"));
  const Paths p = Paths::fromEnvironment();
  CHECK(p.home == "/tmp/rr");
  CHECK(p.libDir == "/tmp/rr/var/lib/rexray");
}

TEST_CASE("Paths: underHome does not read the environment") {
  EnvVar home("REXRAY_HOME", std::string("/elsewhere"));
  CHECK(Paths::underHome("/opt/x").etcDir == "/opt/x/etc/rexray");
}
