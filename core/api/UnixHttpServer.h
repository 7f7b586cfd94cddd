#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>

#include <sys/types.h>

#include <memory>
#include <string>

namespace rexray {

// An HTTP/1.1 server on a unix socket (Poco::Net::HTTPServer), with
// keep-alive, its own thread pool, and the socket file's mode set. A stale
// socket file is replaced; one that a live process answers on is an error.
class UnixHttpServer {
public:
  UnixHttpServer(const std::string &socketPath, Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                 mode_t mode = 0660, int maxThreads = 64);
  ~UnixHttpServer();
  UnixHttpServer(const UnixHttpServer &) = delete;
  UnixHttpServer &operator=(const UnixHttpServer &) = delete;

  void start();
  // Stops accepting, finishes requests in flight, removes the socket file.
  void stop();
  const std::string &path() const { return _path; }

private:
  std::string _path;
  std::unique_ptr<Poco::ThreadPool> _pool;
  std::unique_ptr<Poco::Net::HTTPServer> _server;
  bool _stopped = false;
};

// True when something accepts connections on the unix socket at path.
bool unixSocketAnswers(const std::string &path);

} // namespace rexray
