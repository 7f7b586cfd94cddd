#include "csi/CsiNode.h"

#include "csi/CsiTopology.h"
#include "csi/CsiTranslate.h"
#include "csi/CsiVolumeLookup.h"
#include "util/Error.h"

namespace rexray {
namespace {

using csi::v1::NodeServiceCapability;

const csi::v1::VolumeCapability &requireCapability(bool has,
                                                   const csi::v1::VolumeCapability &capability) {
  if (!has) throw CsiRefusal(grpc::StatusCode::INVALID_ARGUMENT, "volume_capability is required");
  checkCapability(capability);
  return capability;
}

} // namespace

grpc::Status CsiNode::NodeStageVolume(grpc::ServerContext *context,
                                      const csi::v1::NodeStageVolumeRequest *request,
                                      csi::v1::NodeStageVolumeResponse *) {
  return _context.serve("NodeStageVolume", context, [&](const Deadline &deadline) {
    const std::string &id = request->volume_id();
    requireField(id, "volume_id");
    requireField(request->staging_target_path(), "staging_target_path", 0);
    const auto &capability =
        requireCapability(request->has_volume_capability(), request->volume_capability());
    const auto claim = _context.inFlight().claim("volume:" + id, "volume " + id);
    VolumeService &service = _context.service(deadline);
    requireVolume(service, id, deadline);
    MountOptions options;
    if (capability.has_mount()) options.fsType = capability.mount().fs_type();
    service.stage(id, request->staging_target_path(), options, capability.has_block(), deadline);
  });
}

grpc::Status CsiNode::NodeUnstageVolume(grpc::ServerContext *context,
                                        const csi::v1::NodeUnstageVolumeRequest *request,
                                        csi::v1::NodeUnstageVolumeResponse *) {
  return _context.serve("NodeUnstageVolume", context, [&](const Deadline &deadline) {
    const std::string &id = request->volume_id();
    requireField(id, "volume_id");
    requireField(request->staging_target_path(), "staging_target_path", 0);
    const auto claim = _context.inFlight().claim("volume:" + id, "volume " + id);
    VolumeService &service = _context.service(deadline);
    requireVolume(service, id, deadline);
    service.unstage(id, request->staging_target_path(), deadline);
  });
}

grpc::Status CsiNode::NodePublishVolume(grpc::ServerContext *context,
                                        const csi::v1::NodePublishVolumeRequest *request,
                                        csi::v1::NodePublishVolumeResponse *) {
  return _context.serve("NodePublishVolume", context, [&](const Deadline &deadline) {
    const std::string &id = request->volume_id();
    requireField(id, "volume_id");
    requireField(request->staging_target_path(), "staging_target_path", 0);
    requireField(request->target_path(), "target_path", 0);
    const auto &capability =
        requireCapability(request->has_volume_capability(), request->volume_capability());
    const auto claim = _context.inFlight().claim("volume:" + id, "volume " + id);
    VolumeService &service = _context.service(deadline);
    requireVolume(service, id, deadline);
    const bool block = capability.has_block();
    std::string source = request->staging_target_path();
    if (block) {
      source = service.localDevice(id, deadline);
      if (source.empty())
        throw CsiRefusal(grpc::StatusCode::FAILED_PRECONDITION,
                         "volume " + id + " is not staged on this node (it is not attached here)");
    } else if (!service.isStagedAt(id, source, deadline)) {
      throw CsiRefusal(grpc::StatusCode::FAILED_PRECONDITION,
                       "volume " + id + " is not staged at " + source);
    }
    const bool readOnly = request->readonly() || readerOnly(capability);
    service.publish(id, source, request->target_path(), readOnly, block, deadline);
  });
}

grpc::Status CsiNode::NodeUnpublishVolume(grpc::ServerContext *context,
                                          const csi::v1::NodeUnpublishVolumeRequest *request,
                                          csi::v1::NodeUnpublishVolumeResponse *) {
  return _context.serve("NodeUnpublishVolume", context, [&](const Deadline &deadline) {
    const std::string &id = request->volume_id();
    requireField(id, "volume_id");
    requireField(request->target_path(), "target_path", 0);
    const auto claim = _context.inFlight().claim("volume:" + id, "volume " + id);
    VolumeService &service = _context.service(deadline);
    requireVolume(service, id, deadline);
    service.unpublish(id, request->target_path(), deadline);
  });
}

grpc::Status CsiNode::NodeGetVolumeStats(grpc::ServerContext *context,
                                         const csi::v1::NodeGetVolumeStatsRequest *request,
                                         csi::v1::NodeGetVolumeStatsResponse *reply) {
  return _context.serve("NodeGetVolumeStats", context, [&](const Deadline &deadline) {
    const std::string &id = request->volume_id();
    requireField(id, "volume_id");
    requireField(request->volume_path(), "volume_path", 0);
    VolumeService &service = _context.service(deadline);
    const Volume volume = requireVolume(service, id, deadline);
    const VolumeUsage usage = service.usage(id, request->volume_path(), deadline);
    auto *bytes = reply->add_usage();
    bytes->set_unit(csi::v1::VolumeUsage::BYTES);
    // A raw device has no file system to ask: its size is the volume's.
    bytes->set_total(usage.block ? volume.sizeGiB * kGiBBytes
                                 : static_cast<int64_t>(usage.filesystem.totalBytes));
    bytes->set_available(static_cast<int64_t>(usage.filesystem.availableBytes));
    bytes->set_used(static_cast<int64_t>(usage.filesystem.usedBytes));
    if (!usage.block) {
      auto *inodes = reply->add_usage();
      inodes->set_unit(csi::v1::VolumeUsage::INODES);
      inodes->set_total(static_cast<int64_t>(usage.filesystem.totalInodes));
      inodes->set_available(static_cast<int64_t>(usage.filesystem.freeInodes));
      inodes->set_used(static_cast<int64_t>(usage.filesystem.usedInodes));
    }
    auto *condition = reply->mutable_volume_condition();
    condition->set_abnormal(!usage.healthy);
    condition->set_message(usage.healthy ? "mounted" : usage.problem);
  });
}

grpc::Status CsiNode::NodeExpandVolume(grpc::ServerContext *context,
                                       const csi::v1::NodeExpandVolumeRequest *request,
                                       csi::v1::NodeExpandVolumeResponse *reply) {
  return _context.serve("NodeExpandVolume", context, [&](const Deadline &deadline) {
    const std::string &id = request->volume_id();
    requireField(id, "volume_id");
    requireField(request->volume_path(), "volume_path", 0);
    const auto claim = _context.inFlight().claim("volume:" + id, "volume " + id);
    VolumeService &service = _context.service(deadline);
    const Volume volume = requireVolume(service, id, deadline);
    if (request->has_capacity_range() &&
        volume.sizeGiB * kGiBBytes < request->capacity_range().required_bytes())
      throw CsiRefusal(grpc::StatusCode::OUT_OF_RANGE,
                       "volume " + id + " has " + std::to_string(volume.sizeGiB) +
                           " GiB, less than the capacity asked for: expand it on the "
                           "controller first");
    const bool block = request->has_volume_capability() && request->volume_capability().has_block();
    if (!block) service.growFilesystem(id, request->volume_path(), deadline);
    reply->set_capacity_bytes(volume.sizeGiB * kGiBBytes);
  });
}

grpc::Status CsiNode::NodeGetCapabilities(grpc::ServerContext *context,
                                          const csi::v1::NodeGetCapabilitiesRequest *,
                                          csi::v1::NodeGetCapabilitiesResponse *reply) {
  return _context.serve("NodeGetCapabilities", context, [&](const Deadline &deadline) {
    std::vector<NodeServiceCapability::RPC::Type> types = {
        NodeServiceCapability::RPC::STAGE_UNSTAGE_VOLUME,
        NodeServiceCapability::RPC::GET_VOLUME_STATS, NodeServiceCapability::RPC::VOLUME_CONDITION};
    if (_context.service(deadline).driver().supportsExpand())
      types.push_back(NodeServiceCapability::RPC::EXPAND_VOLUME);
    for (auto type : types) reply->add_capabilities()->mutable_rpc()->set_type(type);
  });
}

grpc::Status CsiNode::NodeGetInfo(grpc::ServerContext *context, const csi::v1::NodeGetInfoRequest *,
                                  csi::v1::NodeGetInfoResponse *reply) {
  return _context.serve("NodeGetInfo", context, [&](const Deadline &deadline) {
    VolumeService &service = _context.service(deadline);
    reply->set_node_id(service.instanceId(deadline));
    // 0 = no limit known; the backend still refuses an attach beyond its
    // own, which ControllerPublish reports as RESOURCE_EXHAUSTED.
    reply->set_max_volumes_per_node(_context.maxVolumesPerNode(service, deadline));
    const std::string zone = service.instanceInfo(deadline).zone;
    if (!zone.empty()) fillZone(zone, reply->mutable_accessible_topology());
  });
}

} // namespace rexray
