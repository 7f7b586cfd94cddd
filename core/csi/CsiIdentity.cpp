#include "csi/CsiIdentity.h"

#include "util/Error.h"

namespace rexray {

using csi::v1::PluginCapability;

grpc::Status CsiIdentity::GetPluginInfo(grpc::ServerContext *context,
                                        const csi::v1::GetPluginInfoRequest *,
                                        csi::v1::GetPluginInfoResponse *reply) {
  return _context.serve("GetPluginInfo", context, [&](const Deadline &) {
    reply->set_name("rexray." + _context.serviceName());
    reply->set_vendor_version(REXRAY_VERSION);
  });
}

grpc::Status CsiIdentity::GetPluginCapabilities(grpc::ServerContext *context,
                                                const csi::v1::GetPluginCapabilitiesRequest *,
                                                csi::v1::GetPluginCapabilitiesResponse *reply) {
  return _context.serve("GetPluginCapabilities", context, [&](const Deadline &deadline) {
    if (_context.settings().controller())
      reply->add_capabilities()->mutable_service()->set_type(
          PluginCapability::Service::CONTROLLER_SERVICE);
    // The file system grows while mounted (resize2fs, xfs_growfs), so a
    // driver that can grow its volumes can do so online.
    VolumeService &service = _context.service(deadline);
    if (service.driver().supportsExpand())
      reply->add_capabilities()->mutable_volume_expansion()->set_type(
          PluginCapability::VolumeExpansion::ONLINE);
    // Volumes are bound to zones when the driver reports one for its
    // instance (CsiTopology.h).
    if (!service.instanceInfo(deadline).zone.empty())
      reply->add_capabilities()->mutable_service()->set_type(
          PluginCapability::Service::VOLUME_ACCESSIBILITY_CONSTRAINTS);
  });
}

grpc::Status CsiIdentity::Probe(grpc::ServerContext *context, const csi::v1::ProbeRequest *,
                                csi::v1::ProbeResponse *reply) {
  return _context.serve("Probe", context, [&](const Deadline &deadline) {
    try {
      // Ready once the service's driver has started (a backend that is late
      // answers with its last error). A probe is a health check: it does
      // not wait long for a start.
      _context.service(deadline.atMost(std::chrono::seconds(1)));
      reply->mutable_ready()->set_value(true);
    } catch (const Error &e) {
      if (e.kind() == ErrorKind::Timeout) {
        reply->mutable_ready()->set_value(false); // still starting
        return;
      }
      throw CsiRefusal(grpc::StatusCode::FAILED_PRECONDITION, e.what());
    }
  });
}

} // namespace rexray
