#ifndef REXRAY_VIRTUALBOX_SOAPTRANSPORT_H
#define REXRAY_VIRTUALBOX_SOAPTRANSPORT_H

#include <rexray/sdk/support/Deadline.hpp>

#include <memory>
#include <string>

namespace rexray::virtualbox {

// The SDK support library's deadline, as rxr_call carries it.
using sdk::support::Deadline;

struct HttpReply {
  int status = 0;
  std::string body;
};

// The connection broke after the request went out and before a reply came
// (reset, or closed without a reply): the server may or may not have run it.
class ConnectionLost : public sdk::Error {
public:
  explicit ConnectionLost(const std::string &message) : sdk::Error(RXR_E_BACKEND, message) {}
};

// Carries one SOAP request to vboxwebsrv and brings back the HTTP reply.
// Throws sdk::Error: RXR_E_TIMEOUT when the deadline passes, ConnectionLost
// (see above), RXR_E_BACKEND when the endpoint cannot be reached or TLS fails.
class SoapTransport {
public:
  virtual ~SoapTransport() = default;
  virtual HttpReply post(const std::string &body, Deadline deadline) = 0;
  // The endpoint, for messages.
  virtual std::string endpoint() const = 0;
};

struct HttpTransportOptions {
  std::string endpoint;           // http://host:port[/path] or https://…
  std::string username, password; // sent as HTTP basic credentials
  bool tlsInsecure = false;       // https: do not verify the server's certificate
};

// POST through the SDK support library's HTTP client, one connection per
// call (vboxwebsrv ignores the path).
// Throws std::invalid_argument for an unusable endpoint.
std::unique_ptr<SoapTransport> makeHttpTransport(const HttpTransportOptions &options);

} // namespace rexray::virtualbox

#endif // REXRAY_VIRTUALBOX_SOAPTRANSPORT_H
