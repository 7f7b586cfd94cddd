#include "Gateway.h"

#include "GatewayError.h"
#include "Model.h"

#include <cctype>

namespace rexray::scaleio {

namespace {

using sdk::support::Deadline;
using sdk::support::TransportError;

// Thrown inside a retried attempt for a 503, so that retryWithin sees it.
struct Unavailable {
  GatewayReply reply;
};

bool success(int status) {
  return status == 200 || status == 201 || status == 202 || status == 204;
}

// "2.0" from "2.0", "\"2.5\"" or "3.0.1000.104": the gateway wants major.minor.
std::string majorMinor(const std::string &raw) {
  std::string out;
  int dots = 0;
  for (char c : raw) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      out += c;
    } else if (c == '.' && dots == 0 && !out.empty()) {
      out += c;
      ++dots;
    } else {
      break;
    }
  }
  if (dots == 0 || out.back() == '.')
    throw sdk::Error(RXR_E_BACKEND, "the gateway's API version '" + raw + "' is not a version");
  return out;
}

} // namespace

Gateway::Gateway(std::unique_ptr<GatewayTransport> transport, Credentials credentials,
                 sdk::support::RetryPolicy retry)
    : _transport(std::move(transport)), _credentials(std::move(credentials)), _retry(retry) {
  if (!_credentials.apiVersion.empty()) _session.version = majorMinor(_credentials.apiVersion);
}

sdk::support::RetryPolicy Gateway::defaultRetry() {
  sdk::support::RetryPolicy p;
  p.maxAttempts = 4;
  p.initialDelayMs = 200;
  p.maxDelayMs = 2000;
  return p;
}

int Gateway::logins() const {
  std::lock_guard<std::mutex> lock(_mutex);
  return _logins;
}

std::string Gateway::get(const std::string &path, const Deadline &deadline) {
  return call("GET", path, {}, deadline);
}

std::string Gateway::post(const std::string &path, const std::string &body,
                          const Deadline &deadline) {
  return call("POST", path, body, deadline);
}

GatewayReply Gateway::exchange(GatewayRequest request, const Deadline &deadline) {
  const std::string what = request.method + " " + request.path;
  try {
    return sdk::support::retryWithin(
        deadline, _retry,
        [&] {
          if (deadline.expired()) throw sdk::Error(RXR_E_TIMEOUT, what + ": deadline exceeded");
          GatewayReply reply = _transport->send(request, deadline);
          if (reply.status == 503) throw Unavailable{reply};
          return reply;
        },
        [](std::exception_ptr e) {
          try {
            std::rethrow_exception(e);
          } catch (const Unavailable &) {
            return true;
          } catch (const TransportError &t) {
            return t.kind() == TransportError::Kind::Connect;
          } catch (...) {
            return false;
          }
        });
  } catch (const Unavailable &u) {
    throw GatewayError::fromReply(u.reply.status, u.reply.body);
  } catch (const TransportError &t) {
    if (t.kind() == TransportError::Kind::Timeout || deadline.expired())
      throw sdk::Error(RXR_E_TIMEOUT, what + ": deadline exceeded (" + t.what() + ")");
    throw sdk::Error(RXR_E_BACKEND, what + ": " + t.what());
  }
}

Gateway::Session Gateway::session(const Deadline &deadline, const std::string &stale) {
  std::lock_guard<std::mutex> lock(_mutex);
  if (!_session.token.empty() && _session.token != stale) return _session;
  GatewayRequest login;
  login.path = "/api/login";
  login.headers.emplace_back("Authorization", sdk::support::basicAuthorization(
                                                  _credentials.userName, _credentials.password));
  const GatewayReply reply = exchange(login, deadline);
  if (!success(reply.status)) {
    const auto e = GatewayError::fromReply(reply.status, reply.body);
    if (e.status() == RXR_E_AUTH)
      throw sdk::Error(RXR_E_AUTH, "the gateway " + _credentials.gateway + " refused user '" +
                                       _credentials.userName + "': " + e.what());
    throw e;
  }
  _session.token = parseString(reply.body, "login token");
  ++_logins;
  if (_session.version.empty()) {
    // The one call made before the version is known: no Accept version.
    GatewayRequest version;
    version.path = "/api/version";
    version.headers.emplace_back("Authorization",
                                 sdk::support::basicAuthorization("", _session.token));
    const GatewayReply v = exchange(version, deadline);
    if (!success(v.status)) throw GatewayError::fromReply(v.status, v.body);
    _session.version = majorMinor(parseString(v.body, "API version"));
  }
  return _session;
}

GatewayReply Gateway::authorized(const std::string &method, const std::string &path,
                                 const std::string &body, const Session &s,
                                 const Deadline &deadline) {
  GatewayRequest request;
  request.method = method;
  request.path = path;
  request.body = body;
  // goscaleio sends an empty user name with the token as the password.
  request.headers.emplace_back("Authorization", sdk::support::basicAuthorization("", s.token));
  request.headers.emplace_back("Accept", "application/json;version=" + s.version);
  if (method != "GET")
    request.headers.emplace_back("Content-Type", "application/json;version=" + s.version);
  return exchange(std::move(request), deadline);
}

std::string Gateway::call(const std::string &method, const std::string &path,
                          const std::string &body, const Deadline &deadline) {
  Session s = session(deadline);
  GatewayReply reply = authorized(method, path, body, s, deadline);
  if (reply.status == 401) {
    // The token expired (8 h, or 10 min idle): once, as goscaleio does.
    s = session(deadline, s.token);
    reply = authorized(method, path, body, s, deadline);
  }
  if (!success(reply.status)) throw GatewayError::fromReply(reply.status, reply.body);
  return reply.body;
}

} // namespace rexray::scaleio
