#pragma once

#include "runtime/Runtime.h"

#include <functional>
#include <string>

namespace rexray {

struct DaemonOptions {
  RuntimeOptions runtime;
  bool writePidFile = true;
  // Called once every socket is bound (the daemon is ready), before any
  // driver starts; the argument is "" on success, else why it failed.
  std::function<void(const std::string &failure)> onReady;
};

// The long-running service: binds the Docker sockets and the control API
// first, then starts each service's driver, reconciles what survived a
// restart, keeps the caches fresh, and runs until SIGTERM or SIGINT. SIGHUP
// reloads the configuration.
class Daemon {
public:
  explicit Daemon(DaemonOptions options);
  // Blocks until asked to stop; returns the exit status.
  int run();

private:
  DaemonOptions _options;
};

} // namespace rexray
