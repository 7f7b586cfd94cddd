#ifndef REXRAY_SCALEIO_GATEWAY_H
#define REXRAY_SCALEIO_GATEWAY_H

#include "GatewayTransport.h"

#include <rexray/sdk/support/Retry.hpp>

#include <memory>
#include <mutex>
#include <string>

// The gateway's session rules (scaleio-rest.md §1): log in with the user's
// Basic credentials for a token, then send Basic ":"+token with the API
// version; when a token has expired (401), log in again once and replay.
// Thread-safe: calls share one token, and concurrent 401s log in only once.
namespace rexray::scaleio {

struct Credentials {
  std::string userName, password;
  std::string apiVersion; // "" = ask the gateway
  std::string gateway;    // how errors name the gateway (its endpoint)
};

class Gateway {
public:
  Gateway(std::unique_ptr<GatewayTransport> transport, Credentials credentials,
          sdk::support::RetryPolicy retry = defaultRetry());

  // The body of a 2xx reply. Throws GatewayError for an error reply,
  // sdk::Error RXR_E_TIMEOUT when the deadline passes, RXR_E_BACKEND when
  // the gateway cannot be reached.
  std::string get(const std::string &path, const sdk::support::Deadline &deadline);
  std::string post(const std::string &path, const std::string &body,
                   const sdk::support::Deadline &deadline);

  // Logins so far, for tests and logs.
  int logins() const;

  // Unreachable gateways and 503s (the gateway cannot reach the MDM) are
  // retried: neither ran the request.
  static sdk::support::RetryPolicy defaultRetry();

private:
  struct Session {
    std::string token, version;
  };
  std::string call(const std::string &method, const std::string &path, const std::string &body,
                   const sdk::support::Deadline &deadline);
  GatewayReply exchange(GatewayRequest request, const sdk::support::Deadline &deadline);
  GatewayReply authorized(const std::string &method, const std::string &path,
                          const std::string &body, const Session &session,
                          const sdk::support::Deadline &deadline);
  // The current session, logging in when there is none or when `stale` is
  // the token that just got a 401.
  Session session(const sdk::support::Deadline &deadline, const std::string &stale = {});

  std::unique_ptr<GatewayTransport> _transport;
  Credentials _credentials;
  sdk::support::RetryPolicy _retry;
  mutable std::mutex _mutex; // guards _session and _logins; held across a login
  Session _session;
  int _logins = 0;
};

} // namespace rexray::scaleio

#endif // REXRAY_SCALEIO_GATEWAY_H
