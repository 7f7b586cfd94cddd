#pragma once

#include "csi/CsiFrontEnd.h"
#include "csi/CsiSettings.h"

#include <memory>
#include <string>

namespace grpc {
class Server;
}

namespace rexray {

class ServiceDirectory;
class CsiContext;
class CsiIdentity;
class CsiController;
class CsiNode;

// The CSI gRPC server on its unix socket: Identity always, Controller and
// Node as rexray.csi.mode says, over one service of the directory. A stale
// socket file is replaced; one a live process answers on is an error.
class CsiServer : public CsiFrontEnd {
public:
  // `service` "" = the directory's default. Binds the socket (mode 0660).
  CsiServer(const ServiceDirectory &services, const std::string &service, CsiSettings settings);
  ~CsiServer() override;
  CsiServer(const CsiServer &) = delete;
  CsiServer &operator=(const CsiServer &) = delete;

  const std::string &socketPath() const { return _socketPath; }
  // Stops taking calls, lets those in flight finish (until their
  // deadlines), and removes the socket file.
  void stop();

private:
  std::string _socketPath;
  std::unique_ptr<CsiContext> _context;
  std::unique_ptr<CsiIdentity> _identity;
  std::unique_ptr<CsiController> _controller;
  std::unique_ptr<CsiNode> _node;
  std::unique_ptr<grpc::Server> _server;
};

} // namespace rexray
