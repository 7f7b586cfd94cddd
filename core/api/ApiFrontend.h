#pragma once

#include "daemon/ServiceDirectory.h"

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <string>

namespace rexray {

// The control API the CLI uses while a daemon runs: HTTP/JSON on
// /var/run/rexray/rexray.sock. Every route translates to one VolumeService
// call, so refcounts and locks stay in this one process.
//
//   GET    /services
//   GET    /instance/{svc}
//   GET    /volumes/{svc}                  POST /volumes/{svc}        (create)
//   GET    /volumes/{svc}/{ref}            DELETE /volumes/{svc}/{ref}?force=true
//   POST   /volumes/{svc}/{ref}/{attach|detach|mount|unmount}
//   GET    /volumes/{svc}/{ref}/path
//   GET    /snapshots/{svc}?volume=REF     POST /snapshots/{svc}       (create)
//   DELETE /snapshots/{svc}/{ref}          POST /snapshots/{svc}/{ref}/copy
//
// Errors: {"error": message, "kind": "not found"|...} with 400/404/409/
// 500/501/504 by kind.
class ApiFrontend : public Poco::Net::HTTPRequestHandlerFactory {
public:
  explicit ApiFrontend(const ServiceDirectory &services) : _services(services) {}

  Poco::Net::HTTPRequestHandler *
  createRequestHandler(const Poco::Net::HTTPServerRequest &request) override;

  struct Reply {
    int status;
    std::string body;
  };
  Reply handle(const std::string &method, const std::string &uri, const std::string &body) const;

private:
  const ServiceDirectory &_services;
};

} // namespace rexray
