#ifndef REXRAY_SCALEIO_GATEWAYTRANSPORT_H
#define REXRAY_SCALEIO_GATEWAYTRANSPORT_H

#include "ScaleioSettings.h"

#include <rexray/sdk/support/Deadline.hpp>
#include <rexray/sdk/support/Http.hpp>

#include <memory>
#include <string>

// One HTTP exchange with the gateway, behind an interface so that the client
// logic (tokens, re-login, retries, error mapping) is tested without sockets.
namespace rexray::scaleio {

struct GatewayRequest {
  std::string method = "GET";
  std::string path; // from "/api/..."
  sdk::support::Headers headers;
  std::string body;
};

struct GatewayReply {
  int status = 0;
  std::string body;
};

class GatewayTransport {
public:
  virtual ~GatewayTransport() = default;
  // Throws sdk::support::TransportError when no reply came.
  virtual GatewayReply send(const GatewayRequest &request,
                            const sdk::support::Deadline &deadline) = 0;
};

// HTTP(S) to settings.endpoint through the support library; never a proxy,
// as the gateway sits on the storage network.
std::unique_ptr<GatewayTransport> makeHttpTransport(const ScaleioSettings &settings);

} // namespace rexray::scaleio

#endif // REXRAY_SCALEIO_GATEWAYTRANSPORT_H
