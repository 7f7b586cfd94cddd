#ifndef REXRAY_EBS_HTTP_H
#define REXRAY_EBS_HTTP_H

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

// One HTTP(S) exchange over Poco::Net, with a timeout, shared by the EC2 and
// instance-metadata clients. A fresh connection per request keeps it
// thread-safe without a pool; EC2 calls are few and the TLS cost is small
// next to EC2's own latency.
namespace rexray::ebs::http {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// "scheme://host[:port][/base]" taken apart.
struct Endpoint {
  std::string scheme; // "http" or "https"
  std::string host;   // without brackets
  uint16_t port = 0;
  std::string path;       // "" or "/base" (no trailing slash)
  std::string hostHeader; // "host" or "host:port" when the port is not the scheme's
  std::string origin;     // "scheme://hostHeader"

  // Throws std::invalid_argument with a clear message for anything else.
  static Endpoint parse(const std::string &url);
  bool loopback() const;
};

struct Request {
  std::string method = "GET";
  Endpoint endpoint;
  std::string path = "/"; // appended to endpoint.path
  Pairs headers;          // sent as given (Host is set from the endpoint)
  std::string body;
  int64_t timeoutMs = 10000;
  bool allowProxy = false; // honour HTTPS_PROXY/HTTP_PROXY/NO_PROXY
};

struct Response {
  int status = 0;
  std::string reason;
  Pairs headers;
  std::string body;
  std::optional<std::string> header(const std::string &name) const; // case-insensitive
};

// The request never got a complete response.
class TransportError : public std::runtime_error {
public:
  enum class Kind { Connect, Timeout, Io, Tls };
  TransportError(Kind kind, const std::string &message)
      : std::runtime_error(message), _kind(kind) {}
  Kind kind() const { return _kind; }

private:
  Kind _kind;
};

// Sends one request; throws TransportError when no response arrives.
Response send(const Request &request);

// The proxy to use for `endpoint` from the environment, as "host:port", or
// nullopt (none set, NO_PROXY matches, or a loopback endpoint).
std::optional<std::pair<std::string, uint16_t>> proxyFor(const Endpoint &endpoint);

} // namespace rexray::ebs::http

#endif // REXRAY_EBS_HTTP_H
