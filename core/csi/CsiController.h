#pragma once

#include "csi/CsiCall.h"

#include "csi.grpc.pb.h"

namespace rexray {

// CSI Controller over one VolumeService: create (in the topology asked
// for), delete, attach to a node (ControllerPublish), detach, list,
// capacity, snapshots and expansion. It translates only; the service decides.
class CsiController final : public csi::v1::Controller::Service {
public:
  explicit CsiController(CsiContext &context) : _context(context) {}

  grpc::Status CreateVolume(grpc::ServerContext *, const csi::v1::CreateVolumeRequest *,
                            csi::v1::CreateVolumeResponse *) override;
  grpc::Status DeleteVolume(grpc::ServerContext *, const csi::v1::DeleteVolumeRequest *,
                            csi::v1::DeleteVolumeResponse *) override;
  grpc::Status ControllerPublishVolume(grpc::ServerContext *,
                                       const csi::v1::ControllerPublishVolumeRequest *,
                                       csi::v1::ControllerPublishVolumeResponse *) override;
  grpc::Status ControllerUnpublishVolume(grpc::ServerContext *,
                                         const csi::v1::ControllerUnpublishVolumeRequest *,
                                         csi::v1::ControllerUnpublishVolumeResponse *) override;
  grpc::Status ValidateVolumeCapabilities(grpc::ServerContext *,
                                          const csi::v1::ValidateVolumeCapabilitiesRequest *,
                                          csi::v1::ValidateVolumeCapabilitiesResponse *) override;
  grpc::Status ListVolumes(grpc::ServerContext *, const csi::v1::ListVolumesRequest *,
                           csi::v1::ListVolumesResponse *) override;
  grpc::Status GetCapacity(grpc::ServerContext *, const csi::v1::GetCapacityRequest *,
                           csi::v1::GetCapacityResponse *) override;
  grpc::Status ControllerGetCapabilities(grpc::ServerContext *,
                                         const csi::v1::ControllerGetCapabilitiesRequest *,
                                         csi::v1::ControllerGetCapabilitiesResponse *) override;
  grpc::Status CreateSnapshot(grpc::ServerContext *, const csi::v1::CreateSnapshotRequest *,
                              csi::v1::CreateSnapshotResponse *) override;
  grpc::Status DeleteSnapshot(grpc::ServerContext *, const csi::v1::DeleteSnapshotRequest *,
                              csi::v1::DeleteSnapshotResponse *) override;
  grpc::Status ListSnapshots(grpc::ServerContext *, const csi::v1::ListSnapshotsRequest *,
                             csi::v1::ListSnapshotsResponse *) override;
  grpc::Status ControllerExpandVolume(grpc::ServerContext *,
                                      const csi::v1::ControllerExpandVolumeRequest *,
                                      csi::v1::ControllerExpandVolumeResponse *) override;

private:
  CsiContext &_context;
};

} // namespace rexray
