#include "api/UnixHttpServer.h"

#include "util/Error.h"
#include "util/Log.h"

#include <Poco/File.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Path.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rexray {

bool unixSocketAnswers(const std::string &path) {
  try {
    Poco::Net::StreamSocket probe;
    probe.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path),
                  Poco::Timespan(0, 200000));
    return true;
  } catch (const Poco::Exception &) {
    return false;
  }
}

UnixHttpServer::UnixHttpServer(const std::string &socketPath,
                               Poco::Net::HTTPRequestHandlerFactory::Ptr factory, mode_t mode,
                               int maxThreads)
    : _path(socketPath) {
  Poco::File(Poco::Path(_path).parent()).createDirectories();
  if (Poco::File(_path).exists()) {
    if (unixSocketAnswers(_path))
      throw Error(ErrorKind::Busy, "socket " + _path + " is in use by another process");
    ::unlink(_path.c_str()); // left behind by a process that died
  }
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, _path));
    socket.listen(256);
  } catch (const Poco::Exception &e) {
    throw Error(ErrorKind::Internal, "cannot listen on " + _path + ": " + e.displayText());
  }
  if (::chmod(_path.c_str(), mode) != 0)
    throw Error(ErrorKind::Internal,
                "cannot set the mode of " + _path + ": " + std::strerror(errno));

  auto params = new Poco::Net::HTTPServerParams;
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(0); // unlimited: Docker and our CLI reuse connections
  params->setKeepAliveTimeout(Poco::Timespan(60, 0));
  params->setTimeout(Poco::Timespan(130, 0)); // above Docker's 2-minute Mount limit
  params->setMaxThreads(maxThreads);
  params->setMaxQueued(256);
  params->setThreadIdleTime(Poco::Timespan(30, 0));
  // Few idle threads keep the resident size small; the pool grows on demand.
  _pool = std::make_unique<Poco::ThreadPool>(2, maxThreads, 30, 256 * 1024);
  _server = std::make_unique<Poco::Net::HTTPServer>(factory, *_pool, socket, params);
}

UnixHttpServer::~UnixHttpServer() {
  try {
    stop();
  } catch (...) {
  }
}

void UnixHttpServer::start() {
  _server->start();
}

void UnixHttpServer::stop() {
  if (_stopped) return;
  _stopped = true;
  _server->stopAll(true);
  ::unlink(_path.c_str());
}

} // namespace rexray
