#pragma once

#include "daemon/ServiceDirectory.h"

#include <memory>
#include <string>

namespace Poco::Net {
class HTTPServer;
}

namespace rexray {

// The TCP listener of rexray.metrics.address (HOST:PORT): /metrics, /healthz
// and /readyz for a Prometheus server or a probe that cannot reach the
// control socket. Nothing else is served there.
class MetricsServer {
public:
  // Binds at once; throws Error(Config) for an address it cannot use.
  MetricsServer(const std::string &address, const ServiceDirectory &services);
  ~MetricsServer();
  MetricsServer(const MetricsServer &) = delete;
  MetricsServer &operator=(const MetricsServer &) = delete;

  // The bound address (the port the system chose for ":0").
  std::string address() const;

private:
  std::unique_ptr<Poco::Net::HTTPServer> _server;
};

} // namespace rexray
