#pragma once

#include "util/Deadline.h"

#include <Poco/Net/HTTPRequest.h>

#include <string>
#include <utility>
#include <vector>

namespace rexray {

struct HttpReply {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  // Beyond Content-Type, Content-Length, Connection and Date (Allow on a 405).
  std::vector<std::pair<std::string, std::string>> headers;
};

// A front end as UnixHttpServer sees it. Requests arrive whole: the server
// reads head and body before any worker sees them, so a slow or idle client
// never holds a worker. The server's own refusals (a malformed or oversized
// request, a client too slow) are worded by the front end, in its error shape.
class HttpService {
public:
  virtual ~HttpService() = default;
  // True when answering takes only memory (Capabilities, Get, List): such
  // requests have workers of their own, so that long operations (a Mount
  // waiting two minutes on its backend) never hold them up.
  virtual bool answersFromMemory(const Poco::Net::HTTPRequest &head) const = 0;
  // True when the answer is in memory now and nothing it needs can make it
  // wait (its service is ready): the server then answers on its own thread,
  // without handing the request to a worker and the reply back, which costs
  // two thread switches per request (the 16-connection List rate).
  virtual bool answersAtOnce(const Poco::Net::HTTPRequest &) const { return false; }
  // `arrival`: when the request's first byte came; its deadline counts from there.
  virtual HttpReply serve(const Poco::Net::HTTPRequest &head, const std::string &body,
                          Deadline::Clock::time_point arrival) const = 0;
  virtual HttpReply refuse(int status, const std::string &message) const = 0;
};

} // namespace rexray
