// SoapTransport over Poco::Net: one HTTP/1.1 POST per call with
// `Connection: close`, as REX-Ray's client did (specs/virtualbox-soap.md §1).
#include "SoapTransport.h"

#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>
#ifdef REXRAY_VBOX_HTTPS
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLException.h>
#endif

#include <istream>
#include <sstream>
#include <stdexcept>

namespace rexray::virtualbox {

namespace {

using sdk::Error;

// A reply larger than this is not something vboxwebsrv sends.
constexpr std::streamsize kMaxReplyBytes = 64 << 20;
// Poco's timeouts are per socket operation; one call never needs more.
constexpr int64_t kMaxSocketTimeoutMs = 10 * 60 * 1000;

std::string basicAuth(const std::string &user, const std::string &password) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << user << ':' << password;
  encoder.close();
  return "Basic " + out.str();
}

class HttpTransport : public SoapTransport {
public:
  explicit HttpTransport(const HttpTransportOptions &options)
      : _endpoint(options.endpoint), _auth(basicAuth(options.username, options.password)),
        _tlsInsecure(options.tlsInsecure) {
    Poco::URI uri;
    try {
      uri = Poco::URI(options.endpoint);
    } catch (const Poco::Exception &e) {
      throw std::invalid_argument("endpoint '" + options.endpoint +
                                  "' is not a URL: " + e.displayText());
    }
    _scheme = uri.getScheme();
    if (_scheme != "http" && _scheme != "https")
      throw std::invalid_argument("endpoint '" + options.endpoint +
                                  "' must be an http:// or https:// URL");
    if (_scheme == "https" && !httpsSupported())
      throw std::invalid_argument("endpoint '" + options.endpoint +
                                  "': this build has no TLS support (Poco NetSSL)");
    _host = uri.getHost();
    if (_host.empty())
      throw std::invalid_argument("endpoint '" + options.endpoint + "' has no host");
    _port = uri.getPort();
    _path = uri.getPathEtc();
    if (_path.empty()) _path = "/";
  }

  std::string endpoint() const override { return _endpoint; }

  HttpReply post(const std::string &body, Deadline deadline) override {
    const int64_t remaining = deadline.remainingMs();
    if (remaining <= 0) throw Error(RXR_E_TIMEOUT, "deadline passed before calling " + _endpoint);
    const int64_t timeoutMs = remaining < kMaxSocketTimeoutMs ? remaining : kMaxSocketTimeoutMs;
    try {
      std::unique_ptr<Poco::Net::HTTPClientSession> session = open();
      session->setTimeout(Poco::Timespan(timeoutMs * 1000));
      session->setKeepAlive(false);
      Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, _path,
                                     Poco::Net::HTTPMessage::HTTP_1_1);
      request.setContentType("text/xml; charset=\"utf-8\"");
      request.set("User-Agent", "rexray-virtualbox/1.0");
      request.set("Authorization", _auth);
      request.setContentLength(static_cast<std::streamsize>(body.size()));
      request.setKeepAlive(false);
      session->sendRequest(request) << body;
      Poco::Net::HTTPResponse response;
      std::istream &in = session->receiveResponse(response);
      HttpReply reply;
      reply.status = static_cast<int>(response.getStatus());
      char buf[8192];
      while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        reply.body.append(buf, static_cast<size_t>(in.gcount()));
        if (static_cast<std::streamsize>(reply.body.size()) > kMaxReplyBytes)
          throw Error(RXR_E_BACKEND, "reply from " + _endpoint + " exceeds 64 MiB");
      }
      return reply;
    } catch (const Poco::TimeoutException &e) {
      throw Error(deadline.remainingMs() <= 50 ? RXR_E_TIMEOUT : RXR_E_BACKEND,
                  "no reply from vboxwebsrv at " + _endpoint + " in time: " + e.displayText());
#ifdef REXRAY_VBOX_HTTPS
    } catch (const Poco::Net::SSLException &e) {
      throw Error(RXR_E_BACKEND, "TLS with vboxwebsrv at " + _endpoint +
                                     " failed: " + e.displayText() +
                                     (_tlsInsecure ? ""
                                                   : " (virtualbox.tls=true skips "
                                                     "certificate verification)"));
#endif
    } catch (const Poco::Net::NoMessageException &e) {
      throw ConnectionLost("vboxwebsrv at " + _endpoint +
                           " closed the connection without a "
                           "reply: " +
                           e.displayText());
    } catch (const Poco::Net::ConnectionResetException &e) {
      throw ConnectionLost("vboxwebsrv at " + _endpoint +
                           " reset the connection: " + e.displayText());
    } catch (const Poco::Net::ConnectionAbortedException &e) {
      throw ConnectionLost("the connection to vboxwebsrv at " + _endpoint +
                           " was aborted: " + e.displayText());
    } catch (const Poco::Exception &e) {
      throw Error(RXR_E_BACKEND,
                  "cannot talk to vboxwebsrv at " + _endpoint + ": " + e.displayText());
    } catch (const std::ios_base::failure &e) {
      throw Error(RXR_E_BACKEND, "cannot talk to vboxwebsrv at " + _endpoint + ": " + e.what());
    }
  }

private:
  std::unique_ptr<Poco::Net::HTTPClientSession> open() const {
#ifdef REXRAY_VBOX_HTTPS
    if (_scheme == "https") {
      Poco::Net::Context::Ptr context = new Poco::Net::Context(
          Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
          _tlsInsecure ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_RELAXED, 9,
          true);
      return std::make_unique<Poco::Net::HTTPSClientSession>(_host, _port, context);
    }
#endif
    return std::make_unique<Poco::Net::HTTPClientSession>(_host, _port);
  }

  std::string _endpoint, _auth, _scheme, _host, _path;
  Poco::UInt16 _port = 0;
  bool _tlsInsecure = false;
};

} // namespace

bool httpsSupported() {
#ifdef REXRAY_VBOX_HTTPS
  return true;
#else
  return false;
#endif
}

std::unique_ptr<SoapTransport> makeHttpTransport(const HttpTransportOptions &options) {
  return std::make_unique<HttpTransport>(options);
}

} // namespace rexray::virtualbox
