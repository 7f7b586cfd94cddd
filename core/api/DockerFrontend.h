#pragma once

#include "api/HttpService.h"
#include "api/ListingMemo.h"
#include "api/RequestTimeouts.h"
#include "daemon/ServiceDirectory.h"
#include "metrics/Metrics.h"
#include "util/Deadline.h"
#include "volume/VolumeCache.h"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace rexray {

// Docker's volume plugin protocol (VolumeDriver, v1) for one service. It
// translates and holds no logic: every decision is the VolumeService's.
// List, Get and Path answer from the service's cache. Errors are
// {"Err": "..."} with HTTP 500, undecodable requests HTTP 400, a method
// other than POST HTTP 405. Each request
// gets its deadline when it arrives: dockerd's own timeouts, so that we give
// up (and roll back) before Docker gives up on us.
class DockerFrontend : public HttpService {
public:
  DockerFrontend(const ServiceDirectory &services, std::string service,
                 RequestTimeouts timeouts = {});

  // Activate, Capabilities, Get, List and Path.
  bool answersFromMemory(const Poco::Net::HTTPRequest &head) const override;
  // The same requests, once the service is ready.
  bool answersAtOnce(const Poco::Net::HTTPRequest &head) const override;
  HttpReply serve(const Poco::Net::HTTPRequest &head, const std::string &body,
                  Deadline::Clock::time_point arrival) const override;
  HttpReply refuse(int status, const std::string &message) const override;

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
  // List's reply for a listing: rendered once per change of the cache, not
  // once per request (10,000 volumes are ~600 KB of JSON).
  std::string listReply(const VolumeCache::Listing &listing) const;
  // Get's reply for a cached volume, rendered once per version of it (cache
  // entries are immutable: a change is a new entry).
  std::string getReplyFor(const VolumeCache::Shared &volume) const;
  static constexpr size_t kGetMemoLimit = 20000;

  const ServiceDirectory &_services;
  std::string _service;
  RequestTimeouts _timeouts;
  ListingMemo _listMemo;
  mutable std::mutex _getMemoGuard;
  mutable std::unordered_map<std::string, std::pair<VolumeCache::Shared, std::string>> _getMemo;
  metrics::OperationTimer _durations; // by the request's path, e.g. "VolumeDriver.Mount"
};

} // namespace rexray
