#pragma once

#include "api/HttpService.h"
#include "api/ListingMemo.h"
#include "api/RequestTimeouts.h"
#include "daemon/ServiceDirectory.h"
#include "util/Deadline.h"

#include <chrono>
#include <map>
#include <mutex>
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
//   GET    /metrics  /healthz  /readyz         (daemon/OpsEndpoints.h)
//
// Errors: {"error": message, "kind": "not found"|...} with 400/404/409/
// 500/501/504 by kind.
//
// A request's deadline is its arrival plus the X-Rexray-Timeout-Ms header
// (the CLI sends what is left of its --timeout), or RequestTimeouts::api.
class ApiFrontend : public HttpService {
public:
  explicit ApiFrontend(const ServiceDirectory &services, RequestTimeouts timeouts = {})
      : _services(services), _timeouts(timeouts) {}

  // GET /services and the cached listings (?cached).
  bool answersFromMemory(const Poco::Net::HTTPRequest &head) const override;
  HttpReply serve(const Poco::Net::HTTPRequest &head, const std::string &body,
                  Deadline::Clock::time_point arrival) const override;
  HttpReply refuse(int status, const std::string &message) const override;

  struct Reply {
    int status;
    std::string body;
  };
  Reply handle(const std::string &method, const std::string &uri, const std::string &body,
               const Deadline &deadline) const;
  // From the header's value ("" when absent); Error(Invalid) for a bad one.
  Deadline deadlineFor(const std::string &timeoutHeader, Deadline::Clock::time_point arrival) const;

private:
  // rexray_operation_duration_seconds of one request.
  void observe(const std::string &method, const std::string &uri, bool ok,
               std::chrono::nanoseconds elapsed) const;

  // A service's volume list as JSON, rendered once per change of its cache.
  std::string volumesReply(const std::string &service, const VolumeCache::Listing &listing) const;

  const ServiceDirectory &_services;
  RequestTimeouts _timeouts;
  mutable std::mutex _memoGuard;
  mutable std::map<std::string, ListingMemo> _volumesMemo; // by service
};

} // namespace rexray
