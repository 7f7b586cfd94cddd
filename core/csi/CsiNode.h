#pragma once

#include "csi/CsiCall.h"

#include "csi.grpc.pb.h"

namespace rexray {

// CSI Node over one VolumeService: stage (attach, format, mount at the
// staging path), publish (bind mount), their reverses, stats and file
// system growth. It translates only; the service and its mount pipeline act.
class CsiNode final : public csi::v1::Node::Service {
public:
  explicit CsiNode(CsiContext &context) : _context(context) {}

  grpc::Status NodeStageVolume(grpc::ServerContext *, const csi::v1::NodeStageVolumeRequest *,
                               csi::v1::NodeStageVolumeResponse *) override;
  grpc::Status NodeUnstageVolume(grpc::ServerContext *, const csi::v1::NodeUnstageVolumeRequest *,
                                 csi::v1::NodeUnstageVolumeResponse *) override;
  grpc::Status NodePublishVolume(grpc::ServerContext *, const csi::v1::NodePublishVolumeRequest *,
                                 csi::v1::NodePublishVolumeResponse *) override;
  grpc::Status NodeUnpublishVolume(grpc::ServerContext *,
                                   const csi::v1::NodeUnpublishVolumeRequest *,
                                   csi::v1::NodeUnpublishVolumeResponse *) override;
  grpc::Status NodeGetVolumeStats(grpc::ServerContext *, const csi::v1::NodeGetVolumeStatsRequest *,
                                  csi::v1::NodeGetVolumeStatsResponse *) override;
  grpc::Status NodeExpandVolume(grpc::ServerContext *, const csi::v1::NodeExpandVolumeRequest *,
                                csi::v1::NodeExpandVolumeResponse *) override;
  grpc::Status NodeGetCapabilities(grpc::ServerContext *,
                                   const csi::v1::NodeGetCapabilitiesRequest *,
                                   csi::v1::NodeGetCapabilitiesResponse *) override;
  grpc::Status NodeGetInfo(grpc::ServerContext *, const csi::v1::NodeGetInfoRequest *,
                           csi::v1::NodeGetInfoResponse *) override;

private:
  CsiContext &_context;
};

} // namespace rexray
