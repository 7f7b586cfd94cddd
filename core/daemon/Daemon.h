#pragma once

#include "runtime/Runtime.h"

#include <functional>
#include <string>
#include <vector>

namespace rexray {

struct DaemonOptions {
  RuntimeOptions runtime;
  bool writePidFile = true;
  // Log to <log dir>/rexray.log (a daemonized `rexray start`); otherwise to
  // stderr, where systemd's journal and `docker logs` read it.
  bool logToFile = false;
  // Called once every socket is bound (the daemon is ready), before any
  // driver starts; the argument is "" on success, else why it failed.
  std::function<void(const std::string &failure)> onReady;
};

// The Docker plugin sockets a daemon serves for these services (the first is
// the default): rexray.sock for the default, <service>.sock for each.
struct DockerSocket {
  std::string path;
  std::string service;
};
std::vector<DockerSocket> dockerSockets(const Paths &paths,
                                        const std::vector<std::string> &services);

// The long-running service: binds the Docker sockets and the control API
// first (or takes them from systemd's socket activation, daemon/SocketActivation.h), then starts
// each service's driver, reconciles what survived a restart, keeps the caches fresh, and runs until
// SIGTERM or SIGINT. SIGHUP reloads the configuration.
class Daemon {
public:
  explicit Daemon(DaemonOptions options);
  // Blocks until asked to stop; returns the exit status.
  int run();

private:
  DaemonOptions _options;
};

} // namespace rexray
