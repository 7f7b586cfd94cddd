#include <rexray/sdk/support/Http.hpp>

#include "TlsContext.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/String.h>
#include <Poco/Timespan.h>

#include <istream>
#include <memory>

namespace rexray::sdk::support {

namespace {

using Kind = TransportError::Kind;

Poco::Timespan span(int64_t ms) {
  return Poco::Timespan(ms / 1000, static_cast<long>((ms % 1000) * 1000));
}

std::unique_ptr<Poco::Net::HTTPClientSession> openSession(const HttpRequest &request,
                                                          const TlsOptions &tls) {
  const Endpoint &ep = request.endpoint;
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (ep.scheme == "https")
    session = std::make_unique<Poco::Net::HTTPSClientSession>(ep.host, ep.port, clientContext(tls));
  else
    session = std::make_unique<Poco::Net::HTTPClientSession>(ep.host, ep.port);
  if (request.allowProxy)
    if (auto proxy = proxyFor(ep)) session->setProxy(proxy->first, proxy->second);
  session->setKeepAlive(false);
  return session;
}

// The time left for the next socket wait; a Timeout when there is none.
int64_t leftOrThrow(const Deadline &deadline, const std::string &where) {
  const int64_t left = deadline.remainingMs();
  if (left <= 0) throw TransportError(Kind::Timeout, "no answer from " + where + " in time");
  return left;
}

HttpResponse roundTrip(Poco::Net::HTTPClientSession &session, const HttpRequest &request,
                       const Deadline &deadline, bool &sent) {
  const Endpoint &ep = request.endpoint;
  const int64_t left = leftOrThrow(deadline, ep.origin);
  session.setTimeout(span(left), span(left), span(left));

  Poco::Net::HTTPRequest req(request.method, ep.path + request.path,
                             Poco::Net::HTTPMessage::HTTP_1_1);
  req.setHost(ep.hostHeader);
  for (const auto &[name, value] : request.headers) {
    const std::string n = Poco::toLower(name);
    if (n != "host" && n != "content-length") req.set(name, value);
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT")
    req.setContentLength(static_cast<std::streamsize>(request.body.size()));
  req.setKeepAlive(false);
  session.sendRequest(req).write(request.body.data(),
                                 static_cast<std::streamsize>(request.body.size()));
  sent = true;

  Poco::Net::HTTPResponse res;
  std::istream &in = session.receiveResponse(res);
  HttpResponse out;
  out.status = static_cast<int>(res.getStatus());
  out.reason = res.getReason();
  for (const auto &h : res) out.headers.emplace_back(h.first, h.second);
  // Each socket read gets only what is left, so a server that trickles the
  // body cannot stretch the exchange past the deadline: get() waits for one
  // read from the socket, readsome() then takes what it brought without
  // waiting again (istream::read would wait for a full buffer).
  // badbit in the mask makes the stream rethrow the socket's exception (a
  // timeout, a reset) instead of turning it into an early end of the body.
  in.exceptions(std::ios::badbit);
  char buf[16384];
  for (;;) {
    session.socket().setReceiveTimeout(span(leftOrThrow(deadline, ep.origin)));
    const int first = in.get();
    if (first == std::char_traits<char>::eof()) break;
    out.body.push_back(static_cast<char>(first));
    for (std::streamsize n; (n = in.readsome(buf, sizeof buf)) > 0;)
      out.body.append(buf, static_cast<size_t>(n));
    if (out.body.size() > request.maxResponseBytes)
      throw TransportError(Kind::Io, "the response from " + ep.origin + " exceeds " +
                                         std::to_string(request.maxResponseBytes) + " bytes");
  }
  // A body cut short is no response, even though the stream just ends.
  const bool bodyExpected = request.method != "HEAD" && out.status != 204 && out.status != 304;
  if (bodyExpected && res.hasContentLength() &&
      static_cast<std::streamsize>(out.body.size()) <
          static_cast<std::streamsize>(res.getContentLength64()))
    throw TransportError(Kind::Io,
                         "the connection to " + ep.origin + " closed after " +
                             std::to_string(out.body.size()) + " of " +
                             std::to_string(res.getContentLength64()) + " bytes",
                         "", true);
  return out;
}

} // namespace

std::optional<std::string> HttpResponse::header(const std::string &name) const {
  for (const auto &[k, v] : headers)
    if (Poco::icompare(k, name) == 0) return v;
  return std::nullopt;
}

HttpResponse exchange(const HttpRequest &request, const Deadline &deadline, const TlsOptions &tls) {
  const Endpoint &ep = request.endpoint;
  const std::string where = ep.origin;
  if (deadline.expired())
    throw TransportError(Kind::Timeout, "the deadline passed before contacting " + where);
  const int64_t started = Deadline::nowMs();
  bool sent = false;
  try {
    auto session = openSession(request, tls);
    return roundTrip(*session, request, deadline, sent);
  } catch (const TransportError &) {
    throw;
  } catch (const Poco::TimeoutException &e) {
    throw TransportError(Kind::Timeout,
                         "no answer from " + where + " within " +
                             std::to_string(Deadline::nowMs() - started) + "ms",
                         e.displayText(), sent);
  } catch (const Poco::Net::ConnectionRefusedException &e) {
    throw TransportError(Kind::Connect, "cannot connect to " + where + ": connection refused",
                         e.displayText());
  } catch (const Poco::Net::HostNotFoundException &e) {
    throw TransportError(Kind::Connect, "cannot resolve " + ep.host + ": " + e.displayText(),
                         e.displayText());
  } catch (const Poco::Net::NoAddressFoundException &e) {
    throw TransportError(Kind::Connect, "cannot resolve " + ep.host + ": " + e.displayText(),
                         e.displayText());
  } catch (const Poco::Net::SSLException &e) {
    throw TransportError(Kind::Tls, "TLS with " + where + ": " + e.displayText(), e.displayText());
  } catch (const Poco::Exception &e) {
    throw TransportError(Kind::Io, "talking to " + where + ": " + e.displayText(), e.displayText(),
                         sent);
  } catch (const std::ios_base::failure &e) {
    throw TransportError(Kind::Io, "talking to " + where + ": " + e.what(), e.what(), sent);
  }
}

} // namespace rexray::sdk::support
