#include "api/ApiClient.h"
#include "api/RequestTimeouts.h"

#include "api/ApiErrors.h"
#include "api/JsonCodec.h"
#include "util/Error.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <algorithm>

namespace rexray {
namespace {

// How much longer than the deadline the socket waits for the daemon's answer.
constexpr std::chrono::milliseconds kReplyGrace{2000};

} // namespace

ApiClient::ApiClient(std::string socketPath) : _socketPath(std::move(socketPath)) {}
ApiClient::~ApiClient() = default;

Poco::Dynamic::Var ApiClient::call(const std::string &method, const std::string &path,
                                   const Deadline &deadline, const Poco::JSON::Object::Ptr &body) {
  Poco::JSON::Parser parser;
  return parser.parse(callText(method, path, deadline, body));
}

std::string ApiClient::callText(const std::string &method, const std::string &path,
                                const Deadline &deadline, const Poco::JSON::Object::Ptr &body) {
  deadline.check(method + " " + path);
  std::string reply;
  int status = 0;
  try {
    if (!_session) {
      Poco::Net::StreamSocket socket;
      socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, _socketPath));
      _session = std::make_unique<Poco::Net::HTTPClientSession>(socket);
      _session->setKeepAlive(true);
    }
    const auto remaining = deadline.remaining();
    _session->setTimeout(Poco::Timespan((remaining + kReplyGrace).count() * 1000));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setHost("rexray");
    request.set(kTimeoutHeader, std::to_string(std::max<int64_t>(1, remaining.count())));
    const std::string payload = body ? json::stringify(body) : "";
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(payload.size()));
    _session->sendRequest(request) << payload;
    Poco::Net::HTTPResponse response;
    std::istream &in = _session->receiveResponse(response);
    if (response.hasContentLength()) // a list of 10,000 volumes is 3 MB
      reply.reserve(static_cast<size_t>(
          std::clamp<Poco::Int64>(response.getContentLength64(), 0, Poco::Int64{1} << 28)));
    Poco::StreamCopier::copyToString(in, reply);
    status = response.getStatus();
  } catch (const Poco::Exception &e) {
    _session.reset();
    throw Error(ErrorKind::Internal,
                "cannot reach the rexray daemon at " + _socketPath + ": " + e.displayText());
  }
  if (status >= 300) throw api::errorFrom(status, reply);
  return reply;
}

} // namespace rexray
