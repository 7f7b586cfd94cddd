#include "Http.h"

#include "Text.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <sstream>

namespace rexray::ebs::http {

namespace {

Poco::Net::Context::Ptr tlsContext() {
  static std::once_flag once;
  static Poco::Net::Context::Ptr context;
  std::call_once(once, [] {
    Poco::Net::initializeSSL();
    // Certificates are checked against the system's CA store (OpenSSL's
    // default paths, so SSL_CERT_FILE/SSL_CERT_DIR apply), and the host name
    // against the certificate. VERIFY_STRICT: with RELAXED Poco skips the name
    // check for local host names.
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                     Poco::Net::Context::VERIFY_STRICT, 9, true,
                                     "ALL:!ADH:!LOW:!EXP:!MD5:!aNULL:@STRENGTH");
  });
  return context;
}

std::string envFirst(std::initializer_list<const char *> names) {
  for (const char *n : names) {
    const char *v = std::getenv(n);
    if (v && *v) return v;
  }
  return "";
}

bool noProxyMatches(const std::string &host, const std::string &noProxy) {
  const std::string h = text::lower(host);
  for (auto entry : text::split(noProxy, ',')) {
    entry = text::lower(text::trim(entry));
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (const auto colon = entry.find(':'); colon != std::string::npos && entry[0] != '[')
      entry = entry.substr(0, colon);
    if (entry[0] == '.') entry = entry.substr(1);
    if (h == entry || text::endsWith(h, "." + entry)) return true;
  }
  return false;
}

} // namespace

Endpoint Endpoint::parse(const std::string &url) {
  Poco::URI uri;
  try {
    uri = Poco::URI(text::trim(url));
  } catch (const Poco::Exception &e) {
    throw std::invalid_argument("invalid URL '" + url + "': " + e.displayText());
  }
  Endpoint e;
  e.scheme = text::lower(uri.getScheme());
  if (e.scheme != "http" && e.scheme != "https")
    throw std::invalid_argument("invalid URL '" + url + "': the scheme must be http or https");
  e.host = uri.getHost();
  if (e.host.empty()) throw std::invalid_argument("invalid URL '" + url + "': no host");
  if (!uri.getQuery().empty() || !uri.getFragment().empty())
    throw std::invalid_argument("invalid URL '" + url + "': no query or fragment allowed");
  e.port = uri.getPort();
  const uint16_t standard = e.scheme == "https" ? 443 : 80;
  if (e.port == 0) e.port = standard;
  e.path = uri.getPath();
  while (!e.path.empty() && e.path.back() == '/') e.path.pop_back();
  const std::string bracketed = e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host;
  e.hostHeader = e.port == standard ? bracketed : bracketed + ":" + std::to_string(e.port);
  e.origin = e.scheme + "://" + e.hostHeader;
  return e;
}

bool Endpoint::loopback() const {
  const std::string h = text::lower(host);
  return h == "localhost" || text::startsWith(h, "127.") || h == "::1";
}

std::optional<std::string> Response::header(const std::string &name) const {
  const std::string n = text::lower(name);
  for (const auto &[k, v] : headers)
    if (text::lower(k) == n) return v;
  return std::nullopt;
}

std::optional<std::pair<std::string, uint16_t>> proxyFor(const Endpoint &endpoint) {
  if (endpoint.loopback()) return std::nullopt;
  const std::string proxy = endpoint.scheme == "https" ? envFirst({"HTTPS_PROXY", "https_proxy"})
                                                       : envFirst({"HTTP_PROXY", "http_proxy"});
  if (proxy.empty()) return std::nullopt;
  if (noProxyMatches(endpoint.host, envFirst({"NO_PROXY", "no_proxy"}))) return std::nullopt;
  try {
    Poco::URI uri(proxy.find("://") == std::string::npos ? "http://" + proxy : proxy);
    if (uri.getHost().empty()) return std::nullopt;
    return std::make_pair(uri.getHost(), uri.getPort() ? uri.getPort() : uint16_t(80));
  } catch (const Poco::Exception &) {
    return std::nullopt;
  }
}

Response send(const Request &request) {
  const Endpoint &ep = request.endpoint;
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  try {
    if (ep.scheme == "https")
      session = std::make_unique<Poco::Net::HTTPSClientSession>(ep.host, ep.port, tlsContext());
    else
      session = std::make_unique<Poco::Net::HTTPClientSession>(ep.host, ep.port);
  } catch (const Poco::Exception &e) {
    throw TransportError(TransportError::Kind::Tls, e.displayText());
  }
  if (request.allowProxy)
    if (auto proxy = proxyFor(ep)) session->setProxy(proxy->first, proxy->second);
  const int64_t timeoutMs = std::max<int64_t>(request.timeoutMs, 1);
  const Poco::Timespan timeout(timeoutMs / 1000, static_cast<long>((timeoutMs % 1000) * 1000));
  session->setTimeout(timeout, timeout, timeout);
  session->setKeepAlive(false);

  Poco::Net::HTTPRequest req(request.method, ep.path + request.path,
                             Poco::Net::HTTPMessage::HTTP_1_1);
  req.setHost(ep.hostHeader);
  for (const auto &[k, v] : request.headers) {
    if (text::lower(k) == "host" || text::lower(k) == "content-length") continue;
    req.set(k, v);
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT")
    req.setContentLength(static_cast<std::streamsize>(request.body.size()));

  const std::string where = ep.origin;
  try {
    std::ostream &out = session->sendRequest(req);
    out.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
    Poco::Net::HTTPResponse res;
    std::istream &in = session->receiveResponse(res);
    Response r;
    r.status = static_cast<int>(res.getStatus());
    r.reason = res.getReason();
    for (const auto &h : res) r.headers.emplace_back(h.first, h.second);
    std::ostringstream body;
    Poco::StreamCopier::copyStream(in, body);
    r.body = body.str();
    return r;
  } catch (const Poco::TimeoutException &e) {
    throw TransportError(TransportError::Kind::Timeout,
                         "no answer from " + where + " within " + text::describeMs(timeoutMs));
  } catch (const Poco::Net::ConnectionRefusedException &e) {
    throw TransportError(TransportError::Kind::Connect,
                         "cannot connect to " + where + ": connection refused");
  } catch (const Poco::Net::HostNotFoundException &e) {
    throw TransportError(TransportError::Kind::Connect,
                         "cannot resolve " + ep.host + ": " + e.displayText());
  } catch (const Poco::Net::NoAddressFoundException &e) {
    throw TransportError(TransportError::Kind::Connect,
                         "cannot resolve " + ep.host + ": " + e.displayText());
  } catch (const Poco::Net::SSLException &e) {
    throw TransportError(TransportError::Kind::Tls, "TLS with " + where + ": " + e.displayText());
  } catch (const Poco::Net::NetException &e) {
    throw TransportError(TransportError::Kind::Io, "talking to " + where + ": " + e.displayText());
  } catch (const Poco::IOException &e) {
    throw TransportError(TransportError::Kind::Io, "talking to " + where + ": " + e.displayText());
  } catch (const Poco::Exception &e) {
    throw TransportError(TransportError::Kind::Io, "talking to " + where + ": " + e.displayText());
  }
}

} // namespace rexray::ebs::http
