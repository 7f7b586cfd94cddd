#pragma once

#include "api/HttpService.h"
#include "daemon/ServiceDirectory.h"
#include "metrics/Metrics.h"

#include <memory>
#include <optional>
#include <string>

namespace rexray {

// What an operator's tools ask a running daemon (docs/observability.md):
// GET /metrics (Prometheus text), /healthz (the process answers) and /readyz
// (every service is ready: 200, else 503 listing each service's state). The
// control socket serves them, and so does the TCP listener of
// rexray.metrics.address.
bool isOpsPath(const std::string &uri);
// The reply for an ops path, nullopt for any other.
std::optional<HttpReply> serveOps(const std::string &method, const std::string &uri,
                                  const ServiceDirectory &services);

// Reports rexray_volumes, rexray_mounts and rexray_service_ready per service
// and rexray_build_info while the handle lives.
std::unique_ptr<metrics::Registry::CollectorHandle>
collectServiceGauges(const ServiceDirectory &services);

} // namespace rexray
