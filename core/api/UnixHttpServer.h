#pragma once

#include "api/HttpRequestReader.h"
#include "api/HttpService.h"

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>

namespace rexray {

// An HTTP/1.1 server with keep-alive on a unix socket, which stays available
// to every client whatever one client does: one thread watches all
// connections and reads requests as they trickle in, and a worker sees a
// request only once its head and body are all there. Idle, slow, oversized
// and malformed requests so cost their own connection, never a worker. The
// socket file gets its mode; a stale one is replaced, one that a live
// process answers on is an error.
class UnixHttpServer {
public:
  struct Options {
    mode_t mode = 0660;
    // Workers for requests that may wait on a backend (a Mount, 2 minutes).
    size_t workers = 32;
    // Workers for requests the service answers from memory.
    size_t memoryWorkers = 4;
    // A kept-alive connection with no request in progress is closed then.
    std::chrono::milliseconds idleTimeout{10000};
    // From a request's first byte to the end of its head.
    std::chrono::milliseconds headTimeout{5000};
    // From a request's first byte to the end of its body.
    std::chrono::milliseconds bodyTimeout{30000};
    // For the client to take the reply.
    std::chrono::milliseconds writeTimeout{30000};
    HttpLimits limits;
  };

  UnixHttpServer(const std::string &socketPath, std::shared_ptr<const HttpService> service,
                 Options options);
  UnixHttpServer(const std::string &socketPath, std::shared_ptr<const HttpService> service)
      : UnixHttpServer(socketPath, std::move(service), Options()) {}
  // Serves on a socket that is already bound and listening (socket
  // activation), taking ownership of the descriptor. The socket file is its
  // creator's: stop() closes the descriptor but leaves the file, so that
  // clients keep queueing on it for the next daemon.
  UnixHttpServer(int listeningFd, const std::string &socketPath,
                 std::shared_ptr<const HttpService> service, Options options);
  ~UnixHttpServer();
  UnixHttpServer(const UnixHttpServer &) = delete;
  UnixHttpServer &operator=(const UnixHttpServer &) = delete;

  void start();
  // Stops accepting, finishes requests in flight, removes the socket file.
  void stop();
  const std::string &path() const { return _path; }

private:
  class Loop;
  std::string _path;
  std::unique_ptr<Loop> _loop;
  bool _ownsPath = true;
  bool _stopped = false;
};

// True when something accepts connections on the unix socket at path.
bool unixSocketAnswers(const std::string &path);

} // namespace rexray
