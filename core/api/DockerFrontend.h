#pragma once

#include "daemon/ServiceDirectory.h"

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <string>
#include <utility>

namespace rexray {

// Docker's volume plugin protocol (VolumeDriver, v1) for one service. It
// translates and holds no logic: every decision is the VolumeService's.
// List, Get and Path answer from the service's cache. Errors are
// {"Err": "..."} with HTTP 500, undecodable requests HTTP 400.
class DockerFrontend : public Poco::Net::HTTPRequestHandlerFactory {
public:
  DockerFrontend(const ServiceDirectory &services, std::string service);

  Poco::Net::HTTPRequestHandler *
  createRequestHandler(const Poco::Net::HTTPServerRequest &request) override;

  struct Reply {
    int status;
    std::string body;
  };
  // One request: "/VolumeDriver.Get" and its JSON body.
  Reply handle(const std::string &path, const std::string &body) const;

private:
  const ServiceDirectory &_services;
  std::string _service;
};

} // namespace rexray
