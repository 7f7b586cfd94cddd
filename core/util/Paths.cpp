#include "util/Paths.h"

#include <cstdlib>

namespace rexray {

Paths Paths::underHome(const std::string &home) {
  Paths p;
  p.home = home;
  p.etcDir = home + "/etc/rexray";
  p.libDir = home + "/var/lib/rexray";
  p.logDir = home + "/var/log/rexray";
  p.runDir = home + "/var/run/rexray";
  p.dockerPluginsDir = home + "/run/docker/plugins";
  return p;
}

Paths Paths::fromEnvironment() {
  const char *home = std::getenv("REXRAY_HOME");
  if (home && *home) {
    std::string h(home);
    while (!h.empty() && h.back() == '/') h.pop_back(); // "/" itself means no prefix
    return underHome(h);
  }
  return underHome("");
}

} // namespace rexray
