// SoapTransport over the SDK support library's HTTP client: one HTTP/1.1
// POST per call with `Connection: close`, as REX-Ray's client did
// (specs/virtualbox-soap.md §1). This file only maps transport failures to
// what VboxClient acts on.
#include "SoapTransport.h"

#include <rexray/sdk/support/Http.hpp>

#include <stdexcept>

namespace rexray::virtualbox {

namespace {

namespace support = sdk::support;
using sdk::Error;
using Kind = support::TransportError::Kind;

// Within this much of the deadline a timeout is the deadline's doing, not a
// server that stopped answering.
constexpr int64_t kDeadlineSlackMs = 50;

support::Endpoint parseEndpoint(const std::string &url) {
  try {
    return support::Endpoint::parse(url);
  } catch (const std::invalid_argument &e) {
    throw std::invalid_argument("endpoint '" + url + "' must be an http:// or https:// URL (" +
                                e.what() + ")");
  }
}

class HttpTransport : public SoapTransport {
public:
  explicit HttpTransport(const HttpTransportOptions &options)
      : _url(options.endpoint), _endpoint(parseEndpoint(options.endpoint)),
        _auth(support::basicAuthorization(options.username, options.password)) {
    _tls.verify = !options.tlsInsecure;
  }

  std::string endpoint() const override { return _url; }

  HttpReply post(const std::string &body, Deadline deadline) override {
    if (deadline.expired()) throw Error(RXR_E_TIMEOUT, "deadline passed before calling " + _url);
    support::HttpRequest request;
    request.method = "POST";
    request.endpoint = _endpoint;
    // vboxwebsrv ignores the path; the endpoint's own is sent as configured.
    request.path = _endpoint.path.empty() ? "/" : "";
    request.headers = {{"Content-Type", "text/xml; charset=\"utf-8\""},
                       {"User-Agent", "rexray-virtualbox/1.0"},
                       {"Authorization", _auth}};
    request.body = body;
    try {
      const support::HttpResponse response = support::exchange(request, deadline, _tls);
      return HttpReply{response.status, response.body};
    } catch (const support::TransportError &e) {
      raise(e, deadline);
    }
  }

private:
  // Throws the transport's failure as the sdk::Error VboxClient expects
  // (thrown here, not returned: a returned ConnectionLost would be sliced).
  [[noreturn]] void raise(const support::TransportError &e, const Deadline &deadline) const {
    const std::string detail = e.detail().empty() ? e.what() : e.detail();
    switch (e.kind()) {
    case Kind::Timeout:
      throw Error(deadline.remainingMs() <= kDeadlineSlackMs ? RXR_E_TIMEOUT : RXR_E_BACKEND,
                  "no reply from vboxwebsrv at " + _url + " in time: " + detail);
    case Kind::Tls:
      throw Error(RXR_E_BACKEND, "TLS with vboxwebsrv at " + _url + " failed: " + detail +
                                     (_tls.verify ? " (virtualbox.tls=true skips certificate "
                                                    "verification)"
                                                  : ""));
    case Kind::Io:
      // Sent, then no reply: the server may have run the call (VboxClient
      // resends only what is safe to run twice).
      if (e.requestSent())
        throw ConnectionLost("vboxwebsrv at " + _url +
                             " dropped the connection without a reply: " + detail);
      break;
    case Kind::Connect: break;
    }
    throw Error(RXR_E_BACKEND, "cannot talk to vboxwebsrv at " + _url + ": " + detail);
  }

  std::string _url;
  support::Endpoint _endpoint;
  std::string _auth;
  support::TlsOptions _tls;
};

} // namespace

std::unique_ptr<SoapTransport> makeHttpTransport(const HttpTransportOptions &options) {
  return std::make_unique<HttpTransport>(options);
}

} // namespace rexray::virtualbox
