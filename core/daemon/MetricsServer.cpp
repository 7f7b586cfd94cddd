#include "daemon/MetricsServer.h"

#include "daemon/OpsEndpoints.h"
#include "util/Error.h"
#include "util/RequestContext.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

namespace rexray {
namespace {

class OpsHandler : public Poco::Net::HTTPRequestHandler {
public:
  explicit OpsHandler(const ServiceDirectory &services) : _services(services) {}

  void handleRequest(Poco::Net::HTTPServerRequest &request,
                     Poco::Net::HTTPServerResponse &response) override {
    const request::Scope requestId(request::acceptId(request.get("X-Request-Id", "")));
    auto reply = serveOps(request.getMethod(), request.getURI(), _services);
    if (!reply) reply = HttpReply{404, "text/plain; charset=utf-8", "not found\n", {}};
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply->status));
    response.setContentType(reply->contentType);
    for (const auto &[name, value] : reply->headers) response.set(name, value);
    response.set("X-Request-Id", request::currentId());
    response.setContentLength64(static_cast<Poco::Int64>(reply->body.size()));
    auto &out = response.send();
    if (request.getMethod() != "HEAD") out << reply->body;
  }

private:
  const ServiceDirectory &_services;
};

class OpsHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
  explicit OpsHandlerFactory(const ServiceDirectory &services) : _services(services) {}
  Poco::Net::HTTPRequestHandler *
  createRequestHandler(const Poco::Net::HTTPServerRequest &) override {
    return new OpsHandler(_services);
  }

private:
  const ServiceDirectory &_services;
};

} // namespace

MetricsServer::MetricsServer(const std::string &address, const ServiceDirectory &services) {
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(Poco::Net::SocketAddress(address), true);
    socket.listen(64);
  } catch (const Poco::Exception &e) {
    throw Error(ErrorKind::Config,
                "rexray.metrics.address: cannot listen on '" + address + "': " + e.displayText());
  }
  auto *params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(2);
  params->setKeepAlive(true);
  _server =
      std::make_unique<Poco::Net::HTTPServer>(new OpsHandlerFactory(services), socket, params);
  _server->start();
}

MetricsServer::~MetricsServer() {
  _server->stopAll(true);
}

std::string MetricsServer::address() const {
  return _server->socket().address().toString();
}

} // namespace rexray
