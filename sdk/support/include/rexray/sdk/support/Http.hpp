#ifndef REXRAY_SDK_SUPPORT_HTTP_HPP
#define REXRAY_SDK_SUPPORT_HTTP_HPP

#include <rexray/sdk/support/Deadline.hpp>
#include <rexray/sdk/support/Endpoint.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

// One HTTP(S) request and its response, bounded by a deadline. A fresh
// connection per exchange keeps it thread-safe without a pool; storage
// control planes are called rarely enough that the handshake does not show.
// The networking library (Poco) stays out of this header.
namespace rexray::sdk::support {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct TlsOptions {
  bool verify = true;            // false: accept any certificate (self-signed gateways)
  std::string caFile;            // trust only this PEM bundle; "" = the system's store
  std::string certFile, keyFile; // a client certificate, both or neither
};

struct HttpRequest {
  std::string method = "GET";
  Endpoint endpoint;
  std::string path = "/"; // appended to endpoint.path
  Headers headers;        // sent as given (Host and Content-Length are set here)
  std::string body;
  bool allowProxy = false; // honour HTTPS_PROXY/HTTP_PROXY/NO_PROXY
  // A larger response is an Io error rather than memory the daemon gives up.
  size_t maxResponseBytes = size_t(64) << 20;
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  Headers headers;
  std::string body;
  std::optional<std::string> header(const std::string &name) const; // case-insensitive
};

// The request never got a complete response.
class TransportError : public std::runtime_error {
public:
  enum class Kind {
    Connect, // nothing was sent: refused, unresolvable, unreachable
    Timeout, // the deadline passed
    Io,      // the connection failed or broke midway
    Tls,     // the handshake or the certificate was refused
  };
  TransportError(Kind kind, const std::string &message, std::string detail = "",
                 bool requestSent = false)
      : std::runtime_error(message), _kind(kind), _detail(std::move(detail)),
        _requestSent(requestSent) {}
  Kind kind() const { return _kind; }
  // The networking library's own words, for drivers that quote them.
  const std::string &detail() const { return _detail; }
  // True when the whole request had gone out before the failure: the server
  // may have acted on it, so only an idempotent request is safe to resend.
  bool requestSent() const { return _requestSent; }

private:
  Kind _kind;
  std::string _detail;
  bool _requestSent;
};

// Sends one request and reads the whole response. Every socket wait is
// bounded by what is left of `deadline`; an expired deadline throws a
// Timeout without connecting. Throws TransportError when no complete
// response arrives (any HTTP status is a response).
HttpResponse exchange(const HttpRequest &request, const Deadline &deadline,
                      const TlsOptions &tls = {});

// "Basic <base64(user:password)>", for an Authorization header.
std::string basicAuthorization(const std::string &user, const std::string &password);

// The proxy to use for `endpoint` from the environment (HTTPS_PROXY or
// HTTP_PROXY by scheme, NO_PROXY honoured), as host and port; nullopt when
// none applies. Loopback endpoints never use one.
std::optional<std::pair<std::string, uint16_t>> proxyFor(const Endpoint &endpoint);

} // namespace rexray::sdk::support

#endif // REXRAY_SDK_SUPPORT_HTTP_HPP
