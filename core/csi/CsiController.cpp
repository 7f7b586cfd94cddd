#include "csi/CsiController.h"

#include "csi/CsiTopology.h"
#include "csi/CsiTranslate.h"
#include "csi/CsiVolumeLookup.h"
#include "util/Error.h"
#include "volume/CreateOptions.h"

#include <algorithm>

namespace rexray {
namespace {

using csi::v1::ControllerServiceCapability;

// Kubernetes' external-provisioner adds these to the parameters (with
// --extra-create-metadata); they describe the claim, not the volume.
bool orchestratorMetadata(const std::string &key) {
  return key.rfind("csi.storage.k8s.io/", 0) == 0;
}

std::optional<Snapshot> findSnapshot(VolumeService &service, const Deadline &deadline,
                                     const std::string &id, const std::string &name) {
  for (auto &s : service.snapshots("", deadline))
    if ((!id.empty() && s.id == id) || (!name.empty() && s.name == name)) return s;
  return std::nullopt;
}

void requireCapabilities(
    const google::protobuf::RepeatedPtrField<csi::v1::VolumeCapability> &capabilities) {
  if (capabilities.empty())
    throw CsiRefusal(grpc::StatusCode::INVALID_ARGUMENT, "volume_capabilities is required");
  for (const auto &c : capabilities) checkCapability(c);
}

} // namespace

grpc::Status CsiController::CreateVolume(grpc::ServerContext *context,
                                         const csi::v1::CreateVolumeRequest *request,
                                         csi::v1::CreateVolumeResponse *reply) {
  return _context.serve("CreateVolume", context, [&](const Deadline &deadline) {
    const std::string &name = request->name();
    requireField(name, "name");
    requireCapabilities(request->volume_capabilities());
    for (const auto &c : request->volume_capabilities())
      if (!supportedMode(c))
        throw CsiRefusal(
            grpc::StatusCode::INVALID_ARGUMENT,
            "access mode " +
                csi::v1::VolumeCapability::AccessMode::Mode_Name(c.access_mode().mode()) +
                " is not supported: a volume is attached to one node at a time");
    const auto claim = _context.inFlight().claim("volume-name:" + name, "volume '" + name + "'");
    VolumeService &service = _context.service(deadline);

    std::map<std::string, std::string> options;
    for (const auto &[key, value] : request->parameters())
      if (!orchestratorMetadata(key)) options[key] = value;
    CreateSpec spec = parseCreateOptions(name, options);
    if (request->has_volume_content_source()) {
      const auto &source = request->volume_content_source();
      if (source.has_snapshot()) {
        requireField(source.snapshot().snapshot_id(), "volume_content_source.snapshot.snapshot_id");
        spec.fromSnapshot = source.snapshot().snapshot_id();
        if (!findSnapshot(service, deadline, spec.fromSnapshot, ""))
          throw CsiRefusal(grpc::StatusCode::NOT_FOUND,
                           "snapshot '" + spec.fromSnapshot + "' not found");
      } else if (source.has_volume()) {
        requireField(source.volume().volume_id(), "volume_content_source.volume.volume_id");
        spec.fromVolume = requireVolume(service, source.volume().volume_id(), deadline).id;
      } else {
        throw CsiRefusal(grpc::StatusCode::INVALID_ARGUMENT,
                         "volume_content_source names neither a snapshot nor a volume");
      }
    }
    // A driver with zones creates where the requisite topology allows (a
    // driver without has no topology to honour).
    const std::string controllerZone = service.instanceInfo(deadline).zone;
    const bool zoned = !controllerZone.empty();
    const bool placed = zoned && request->has_accessibility_requirements();
    const bool hasSource = !spec.fromSnapshot.empty() || !spec.fromVolume.empty();
    const auto &range = request->capacity_range();
    if (request->has_capacity_range() || !hasSource)
      spec.sizeGiB = sizeForRange(range, spec.sizeGiB.value_or(service.settings().defaultSizeGiB));

    std::optional<Volume> volume = findVolumeNamed(service, name, deadline);
    if (!volume) {
      if (placed)
        spec.availabilityZone = zoneForCreate(request->accessibility_requirements(),
                                              spec.availabilityZone, controllerZone);
      try {
        volume = service.create(spec, deadline);
      } catch (const Error &e) {
        if (e.kind() != ErrorKind::Exists) throw;
        volume = service.inspect(name, deadline);
      }
      if (volume->id.empty())
        throw CsiRefusal(grpc::StatusCode::FAILED_PRECONDITION,
                         "volume.create.disable is set for service '" + service.name() + "'");
    } else if (request->has_capacity_range() && !sizeFits(volume->sizeGiB, range)) {
      throw CsiRefusal(grpc::StatusCode::ALREADY_EXISTS,
                       "volume '" + name + "' already exists with " +
                           std::to_string(volume->sizeGiB) +
                           " GiB, outside the capacity range asked for");
    } else if (placed &&
               !zoneAllowed(request->accessibility_requirements(), volume->availabilityZone)) {
      throw CsiRefusal(grpc::StatusCode::ALREADY_EXISTS,
                       "volume '" + name + "' already exists in zone " + volume->availabilityZone +
                           ", outside the requisite topology asked for");
    }
    fillVolume(*volume, zoned, reply->mutable_volume());
    if (request->has_volume_content_source())
      *reply->mutable_volume()->mutable_content_source() = request->volume_content_source();
  });
}

grpc::Status CsiController::DeleteVolume(grpc::ServerContext *context,
                                         const csi::v1::DeleteVolumeRequest *request,
                                         csi::v1::DeleteVolumeResponse *) {
  return _context.serve("DeleteVolume", context, [&](const Deadline &deadline) {
    const std::string &id = request->volume_id();
    requireField(id, "volume_id");
    const auto claim = _context.inFlight().claim("volume:" + id, "volume " + id);
    VolumeService &service = _context.service(deadline);
    if (!findVolume(service, id, deadline)) return; // already gone: done
    service.remove(id, false, deadline);
  });
}

grpc::Status
CsiController::ControllerPublishVolume(grpc::ServerContext *context,
                                       const csi::v1::ControllerPublishVolumeRequest *request,
                                       csi::v1::ControllerPublishVolumeResponse *reply) {
  return _context.serve("ControllerPublishVolume", context, [&](const Deadline &deadline) {
    const std::string &id = request->volume_id();
    requireField(id, "volume_id");
    requireField(request->node_id(), "node_id");
    if (!request->has_volume_capability())
      throw CsiRefusal(grpc::StatusCode::INVALID_ARGUMENT, "volume_capability is required");
    checkCapability(request->volume_capability());
    const auto claim = _context.inFlight().claim("volume:" + id, "volume " + id);
    VolumeService &service = _context.service(deadline);
    const Volume volume = requireVolume(service, id, deadline);
    // A node ID is the driver's instance ID: this host's, or another one
    // the driver attaches to (one it does not know is NOT_FOUND from it).
    const std::string &node = request->node_id();
    if (volume.attached() && volume.attachedInstanceId != node)
      throw CsiRefusal(grpc::StatusCode::FAILED_PRECONDITION,
                       "volume " + id +
                           " is published on another node: " + volume.attachedInstanceId);
    // A node at its attach limit (max_volumes_per_node) is RESOURCE_EXHAUSTED.
    const Volume attached =
        service.attachTo(id, node, _context.maxVolumesPerNode(service, deadline), deadline);
    (*reply->mutable_publish_context())["device"] = attached.attachedDevice;
  });
}

grpc::Status
CsiController::ControllerUnpublishVolume(grpc::ServerContext *context,
                                         const csi::v1::ControllerUnpublishVolumeRequest *request,
                                         csi::v1::ControllerUnpublishVolumeResponse *) {
  return _context.serve("ControllerUnpublishVolume", context, [&](const Deadline &deadline) {
    const std::string &id = request->volume_id();
    requireField(id, "volume_id");
    const auto claim = _context.inFlight().claim("volume:" + id, "volume " + id);
    VolumeService &service = _context.service(deadline);
    const auto volume = findVolume(service, id, deadline);
    // A volume that is gone, or not attached to that node, is unpublished.
    if (!volume || !volume->attached()) return;
    if (!request->node_id().empty() && volume->attachedInstanceId != request->node_id()) return;
    service.detach(id, false, deadline);
  });
}

grpc::Status
CsiController::ValidateVolumeCapabilities(grpc::ServerContext *context,
                                          const csi::v1::ValidateVolumeCapabilitiesRequest *request,
                                          csi::v1::ValidateVolumeCapabilitiesResponse *reply) {
  return _context.serve("ValidateVolumeCapabilities", context, [&](const Deadline &deadline) {
    const std::string &id = request->volume_id();
    requireField(id, "volume_id");
    requireCapabilities(request->volume_capabilities());
    requireVolume(_context.service(deadline), id, deadline);
    for (const auto &c : request->volume_capabilities()) {
      if (!supportedMode(c)) {
        reply->set_message(
            "access mode " +
            csi::v1::VolumeCapability::AccessMode::Mode_Name(c.access_mode().mode()) +
            " is not supported: a volume is attached to one node at a time");
        return;
      }
    }
    auto *confirmed = reply->mutable_confirmed();
    *confirmed->mutable_volume_capabilities() = request->volume_capabilities();
    *confirmed->mutable_volume_context() = request->volume_context();
    *confirmed->mutable_parameters() = request->parameters();
  });
}

grpc::Status CsiController::ListVolumes(grpc::ServerContext *context,
                                        const csi::v1::ListVolumesRequest *request,
                                        csi::v1::ListVolumesResponse *reply) {
  return _context.serve("ListVolumes", context, [&](const Deadline &deadline) {
    VolumeService &service = _context.service(deadline);
    // The first page asks the backend; the pages after it read what that
    // brought into the cache, so a paging client is not a backend list per page.
    const VolumeCache::Listing listing =
        request->starting_token().empty() ? service.listing(deadline) : service.cachedListing();
    // Pages are by ID, which does not change under a volume (its name may).
    std::vector<VolumeCache::Shared> volumes(listing->begin(), listing->end());
    std::sort(
        volumes.begin(), volumes.end(),
        [](const VolumeCache::Shared &a, const VolumeCache::Shared &b) { return a->id < b->id; });
    const Page page = pageOf(volumes.size(), request->starting_token(), request->max_entries());
    const bool zoned = !service.instanceInfo(deadline).zone.empty();
    for (std::size_t i = page.begin; i < page.end; ++i) {
      auto *entry = reply->add_entries();
      fillVolume(*volumes[i], zoned, entry->mutable_volume());
      // LIST_VOLUMES_PUBLISHED_NODES: the status is there, empty when unpublished.
      auto *status = entry->mutable_status();
      if (volumes[i]->attached()) status->add_published_node_ids(volumes[i]->attachedInstanceId);
    }
    reply->set_next_token(page.next);
  });
}

grpc::Status CsiController::GetCapacity(grpc::ServerContext *context,
                                        const csi::v1::GetCapacityRequest *request,
                                        csi::v1::GetCapacityResponse *reply) {
  return _context.serve("GetCapacity", context, [&](const Deadline &deadline) {
    VolumeService &service = _context.service(deadline);
    if (!service.driver().supportsCapacity())
      throw CsiRefusal(grpc::StatusCode::UNIMPLEMENTED,
                       "driver " + service.driver().plugin().name +
                           " cannot tell its free capacity (GET_CAPACITY is not offered)");
    for (const auto &c : request->volume_capabilities()) {
      checkCapability(c);
      if (!supportedMode(c)) return; // no volume of that kind can be made: 0
    }
    const std::string zone = request->has_accessible_topology()
                                 ? zoneOf(request->accessible_topology(), "accessible_topology")
                                 : std::string();
    try {
      reply->set_available_capacity(service.availableBytes(zone, deadline));
    } catch (const Error &e) {
      if (e.kind() != ErrorKind::NotFound) throw;
      // A zone the driver does not serve holds nothing for it: 0.
    }
  });
}

grpc::Status
CsiController::ControllerGetCapabilities(grpc::ServerContext *context,
                                         const csi::v1::ControllerGetCapabilitiesRequest *,
                                         csi::v1::ControllerGetCapabilitiesResponse *reply) {
  return _context.serve("ControllerGetCapabilities", context, [&](const Deadline &deadline) {
    DriverHandle &driver = _context.service(deadline).driver();
    std::vector<ControllerServiceCapability::RPC::Type> types = {
        ControllerServiceCapability::RPC::CREATE_DELETE_VOLUME,
        ControllerServiceCapability::RPC::PUBLISH_UNPUBLISH_VOLUME,
        ControllerServiceCapability::RPC::LIST_VOLUMES,
        ControllerServiceCapability::RPC::LIST_VOLUMES_PUBLISHED_NODES};
    if (driver.plugin().hasFeature("snapshots")) {
      types.push_back(ControllerServiceCapability::RPC::CREATE_DELETE_SNAPSHOT);
      types.push_back(ControllerServiceCapability::RPC::LIST_SNAPSHOTS);
    }
    if (driver.supportsExpand()) types.push_back(ControllerServiceCapability::RPC::EXPAND_VOLUME);
    if (driver.supportsCapacity()) types.push_back(ControllerServiceCapability::RPC::GET_CAPACITY);
    for (auto type : types) reply->add_capabilities()->mutable_rpc()->set_type(type);
  });
}

grpc::Status CsiController::CreateSnapshot(grpc::ServerContext *context,
                                           const csi::v1::CreateSnapshotRequest *request,
                                           csi::v1::CreateSnapshotResponse *reply) {
  return _context.serve("CreateSnapshot", context, [&](const Deadline &deadline) {
    const std::string &name = request->name();
    requireField(name, "name");
    requireField(request->source_volume_id(), "source_volume_id");
    const auto claim =
        _context.inFlight().claim("snapshot-name:" + name, "snapshot '" + name + "'");
    VolumeService &service = _context.service(deadline);
    if (auto existing = findSnapshot(service, deadline, "", name)) {
      if (existing->volumeId != request->source_volume_id())
        throw CsiRefusal(grpc::StatusCode::ALREADY_EXISTS,
                         "snapshot '" + name + "' already exists, of volume " + existing->volumeId);
      fillSnapshot(*existing, reply->mutable_snapshot());
      return;
    }
    const Volume source = requireVolume(service, request->source_volume_id(), deadline);
    fillSnapshot(service.createSnapshot(source.id, name, "CSI snapshot " + name, deadline),
                 reply->mutable_snapshot());
  });
}

grpc::Status CsiController::DeleteSnapshot(grpc::ServerContext *context,
                                           const csi::v1::DeleteSnapshotRequest *request,
                                           csi::v1::DeleteSnapshotResponse *) {
  return _context.serve("DeleteSnapshot", context, [&](const Deadline &deadline) {
    const std::string &id = request->snapshot_id();
    requireField(id, "snapshot_id");
    const auto claim = _context.inFlight().claim("snapshot:" + id, "snapshot " + id);
    VolumeService &service = _context.service(deadline);
    if (!findSnapshot(service, deadline, id, "")) return; // already gone: done
    service.removeSnapshot(id, deadline);
  });
}

grpc::Status CsiController::ListSnapshots(grpc::ServerContext *context,
                                          const csi::v1::ListSnapshotsRequest *request,
                                          csi::v1::ListSnapshotsResponse *reply) {
  return _context.serve("ListSnapshots", context, [&](const Deadline &deadline) {
    VolumeService &service = _context.service(deadline);
    std::vector<Snapshot> snapshots;
    if (!request->snapshot_id().empty()) {
      if (auto s = findSnapshot(service, deadline, request->snapshot_id(), ""))
        snapshots.push_back(*s);
    } else if (!request->source_volume_id().empty()) {
      if (findVolume(service, request->source_volume_id(), deadline))
        snapshots = service.snapshots(request->source_volume_id(), deadline);
    } else {
      snapshots = service.snapshots("", deadline);
    }
    std::sort(snapshots.begin(), snapshots.end(),
              [](const Snapshot &a, const Snapshot &b) { return a.id < b.id; });
    const Page page = pageOf(snapshots.size(), request->starting_token(), request->max_entries());
    for (std::size_t i = page.begin; i < page.end; ++i)
      fillSnapshot(snapshots[i], reply->add_entries()->mutable_snapshot());
    reply->set_next_token(page.next);
  });
}

grpc::Status
CsiController::ControllerExpandVolume(grpc::ServerContext *context,
                                      const csi::v1::ControllerExpandVolumeRequest *request,
                                      csi::v1::ControllerExpandVolumeResponse *reply) {
  return _context.serve("ControllerExpandVolume", context, [&](const Deadline &deadline) {
    const std::string &id = request->volume_id();
    requireField(id, "volume_id");
    if (!request->has_capacity_range())
      throw CsiRefusal(grpc::StatusCode::INVALID_ARGUMENT, "capacity_range is required");
    const auto claim = _context.inFlight().claim("volume:" + id, "volume " + id);
    VolumeService &service = _context.service(deadline);
    const Volume volume = requireVolume(service, id, deadline);
    const int64_t sizeGiB = sizeForRange(request->capacity_range(), volume.sizeGiB);
    const Volume grown = service.expand(id, sizeGiB, deadline);
    reply->set_capacity_bytes(grown.sizeGiB * kGiBBytes);
    // A file system has to follow on the node; a raw block device does not.
    const bool block = request->has_volume_capability() && request->volume_capability().has_block();
    reply->set_node_expansion_required(!block);
  });
}

} // namespace rexray
