#pragma once

#include "api/RequestTimeouts.h"
#include "daemon/ServiceDirectory.h"
#include "util/Deadline.h"

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <string>
#include <utility>

namespace rexray {

// Docker's volume plugin protocol (VolumeDriver, v1) for one service. It
// translates and holds no logic: every decision is the VolumeService's.
// List, Get and Path answer from the service's cache. Errors are
// {"Err": "..."} with HTTP 500, undecodable requests HTTP 400. Each request
// gets its deadline when it arrives: dockerd's own timeouts, so that we give
// up (and roll back) before Docker gives up on us.
class DockerFrontend : public Poco::Net::HTTPRequestHandlerFactory {
public:
  DockerFrontend(const ServiceDirectory &services, std::string service,
                 RequestTimeouts timeouts = {});

  Poco::Net::HTTPRequestHandler *
  createRequestHandler(const Poco::Net::HTTPServerRequest &request) override;

  struct Reply {
    int status;
    std::string body;
  };
  // One request: "/VolumeDriver.Get" and its JSON body, arrived at `arrival`.
  Reply handle(const std::string &path, const std::string &body,
               Deadline::Clock::time_point arrival = Deadline::Clock::now()) const;
  // The deadline of a request for `path` that arrived at `arrival`.
  Deadline deadlineFor(const std::string &path, Deadline::Clock::time_point arrival) const;

private:
  const ServiceDirectory &_services;
  std::string _service;
  RequestTimeouts _timeouts;
};

} // namespace rexray
