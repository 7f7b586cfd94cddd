#pragma once

#include <string>

// The request the current thread is serving, so that every log line written
// on its behalf (the host's and, through the services table, the driver's)
// names it. Set by the front end that receives a request for the request's
// duration; a thread-local string, so reading it costs nothing and IDs short
// enough for the small-string buffer cost no allocation either.
namespace rexray::request {

// The current request's ID, "" when the thread serves none.
const std::string &currentId();

// A new ID: 15 hex digits, a per-process random prefix and a counter.
std::string newId();

// The ID a client sent (X-Request-Id) when it is usable in logs and headers
// (1 to 128 characters of [A-Za-z0-9._:-]), else a new one.
std::string acceptId(const std::string &fromClient);

// Makes `id` the thread's current request until destroyed, then restores
// the one before (scopes nest: a driver call inside a request keeps its ID).
class Scope {
public:
  explicit Scope(std::string id);
  ~Scope();
  Scope(const Scope &) = delete;
  Scope &operator=(const Scope &) = delete;

private:
  std::string _previous;
};

// A scope that keeps the current ID, or starts a new one when there is none
// (a driver call made by a background task still gets an ID for its lines).
class EnsureScope {
public:
  EnsureScope();
  ~EnsureScope();
  EnsureScope(const EnsureScope &) = delete;
  EnsureScope &operator=(const EnsureScope &) = delete;

private:
  bool _started;
};

} // namespace rexray::request
