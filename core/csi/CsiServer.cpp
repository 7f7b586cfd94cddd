#include "csi/CsiServer.h"

#include "api/UnixHttpServer.h"
#include "csi/CsiCall.h"
#include "csi/CsiController.h"
#include "csi/CsiIdentity.h"
#include "csi/CsiNode.h"
#include "util/Error.h"
#include "util/Log.h"

#include <Poco/File.h>
#include <Poco/Path.h>

#include <grpcpp/grpcpp.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace rexray {
namespace {

// Calls that wait on a backend hold a thread each; beyond this many at once
// a call is refused (RESOURCE_EXHAUSTED) rather than starve the others.
constexpr int kMaxThreads = 64;

} // namespace

CsiServer::CsiServer(const ServiceDirectory &services, const std::string &service,
                     CsiSettings settings)
    : _socketPath(settings.socketPath) {
  const std::string served = service.empty() ? services.defaultName() : service;
  const auto &names = services.names();
  if (std::find(names.begin(), names.end(), served) == names.end())
    throw Error(ErrorKind::Config, "rexray.csi.service: no service named '" + served + "'");
  _context = std::make_unique<CsiContext>(services, served, settings);

  Poco::File(Poco::Path(_socketPath).parent()).createDirectories();
  if (Poco::File(_socketPath).exists()) {
    if (unixSocketAnswers(_socketPath))
      throw Error(ErrorKind::Busy,
                  "cannot serve CSI on " + _socketPath + ": another process is listening there");
    ::unlink(_socketPath.c_str()); // left behind by a process that died
  }

  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + _socketPath, grpc::InsecureServerCredentials());
  grpc::ResourceQuota quota("rexray-csi");
  quota.SetMaxThreads(kMaxThreads);
  builder.SetResourceQuota(quota);
  _identity = std::make_unique<CsiIdentity>(*_context);
  builder.RegisterService(_identity.get());
  if (settings.controller()) {
    _controller = std::make_unique<CsiController>(*_context);
    builder.RegisterService(_controller.get());
  }
  if (settings.node()) {
    _node = std::make_unique<CsiNode>(*_context);
    builder.RegisterService(_node.get());
  }
  _server = builder.BuildAndStart();
  if (!_server) throw Error(ErrorKind::Internal, "cannot serve CSI on " + _socketPath);
  if (::chmod(_socketPath.c_str(), 0660) != 0) {
    const int err = errno;
    stop();
    throw Error(ErrorKind::Internal,
                "cannot set the mode of " + _socketPath + ": " + std::strerror(err));
  }
  log::info("CSI plugin rexray.{} ({}{}) on {}", served, settings.controller() ? "controller" : "",
            settings.controller() && settings.node() ? "+node"
            : settings.node()                        ? "node"
                                                     : "",
            _socketPath);
}

CsiServer::~CsiServer() {
  stop();
}

void CsiServer::stop() {
  if (!_server) return;
  _server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  _server->Wait();
  _server.reset();
  ::unlink(_socketPath.c_str());
}

} // namespace rexray
