#pragma once

#include "csi/CsiCall.h"

#include "csi.grpc.pb.h"

namespace rexray {

// CSI Identity: who we are (rexray.<service>), what we offer, and whether
// the service's driver is up.
class CsiIdentity final : public csi::v1::Identity::Service {
public:
  explicit CsiIdentity(CsiContext &context) : _context(context) {}

  grpc::Status GetPluginInfo(grpc::ServerContext *, const csi::v1::GetPluginInfoRequest *,
                             csi::v1::GetPluginInfoResponse *) override;
  grpc::Status GetPluginCapabilities(grpc::ServerContext *,
                                     const csi::v1::GetPluginCapabilitiesRequest *,
                                     csi::v1::GetPluginCapabilitiesResponse *) override;
  grpc::Status Probe(grpc::ServerContext *, const csi::v1::ProbeRequest *,
                     csi::v1::ProbeResponse *) override;

private:
  CsiContext &_context;
};

} // namespace rexray
