#include "plugin/DriverHandle.h"

#include "metrics/Metrics.h"
#include "util/Error.h"
#include "util/RequestContext.h"

#include <cstddef>

namespace rexray {
namespace {

std::string text(const char *s) {
  return s ? std::string(s) : std::string();
}

ErrorKind kindOf(rxr_status status) {
  switch (status) {
  case RXR_E_NOT_FOUND: return ErrorKind::NotFound;
  case RXR_E_INVALID: return ErrorKind::Invalid;
  case RXR_E_UNSUPPORTED: return ErrorKind::Unsupported;
  case RXR_E_TIMEOUT: return ErrorKind::Timeout;
  case RXR_E_AUTH: return ErrorKind::Auth;
  case RXR_E_BACKEND: return ErrorKind::Backend;
  case RXR_E_BUSY: return ErrorKind::Busy;
  case RXR_E_EXISTS: return ErrorKind::Exists;
  case RXR_E_EXHAUSTED: return ErrorKind::Exhausted;
  default: return ErrorKind::Internal;
  }
}

Volume toVolume(const rxr_volume *v, const std::string &service) {
  Volume out;
  out.service = service;
  out.id = text(v->id);
  out.name = text(v->name);
  if (RXR_HAS(v, rxr_volume, status)) {
    out.type = text(v->type);
    out.availabilityZone = text(v->availability_zone);
    out.status = text(v->status);
  }
  if (RXR_HAS(v, rxr_volume, encrypted)) {
    out.sizeGiB = v->size_gib;
    out.iops = v->iops;
    out.encrypted = v->encrypted != 0;
  }
  if (RXR_HAS(v, rxr_volume, attached_device)) {
    out.attachedInstanceId = text(v->attached_instance_id);
    out.attachedDevice = text(v->attached_device);
  }
  if (RXR_HAS(v, rxr_volume, created_unix)) out.createdUnix = v->created_unix;
  if (RXR_HAS(v, rxr_volume, field_count) && v->fields)
    for (size_t i = 0; i < v->field_count; ++i)
      out.fields.emplace_back(text(v->fields[i].key), text(v->fields[i].value));
  return out;
}

Snapshot toSnapshot(const rxr_snapshot *s, const std::string &service) {
  Snapshot out;
  out.service = service;
  out.id = text(s->id);
  out.name = text(s->name);
  out.volumeId = text(s->volume_id);
  if (RXR_HAS(s, rxr_snapshot, description)) {
    out.status = text(s->status);
    out.description = text(s->description);
  }
  if (RXR_HAS(s, rxr_snapshot, start_time_unix)) {
    out.sizeGiB = s->size_gib;
    out.startTimeUnix = s->start_time_unix;
  }
  return out;
}

struct VolumeCollector {
  std::vector<Volume> items;
  std::string service;
  rxr_volume_sink sink() {
    return {this, [](void *ctx, const rxr_volume *v) -> rxr_status {
              auto *self = static_cast<VolumeCollector *>(ctx);
              if (!v) return RXR_E_INVALID;
              self->items.push_back(toVolume(v, self->service));
              return RXR_OK;
            }};
  }
};

struct SnapshotCollector {
  std::vector<Snapshot> items;
  std::string service;
  rxr_snapshot_sink sink() {
    return {this, [](void *ctx, const rxr_snapshot *s) -> rxr_status {
              auto *self = static_cast<SnapshotCollector *>(ctx);
              if (!s) return RXR_E_INVALID;
              self->items.push_back(toSnapshot(s, self->service));
              return RXR_OK;
            }};
  }
};

// The code label of rexray_backend_requests_total.
const char *statusName(rxr_status status) {
  switch (status) {
  case RXR_OK: return "ok";
  case RXR_E_NOT_FOUND: return "not_found";
  case RXR_E_INVALID: return "invalid";
  case RXR_E_UNSUPPORTED: return "unsupported";
  case RXR_E_TIMEOUT: return "timeout";
  case RXR_E_AUTH: return "auth";
  case RXR_E_BACKEND: return "backend";
  case RXR_E_TOO_SMALL: return "too_small";
  case RXR_E_BUSY: return "busy";
  case RXR_E_EXISTS: return "exists";
  case RXR_E_EXHAUSTED: return "exhausted";
  default: return "internal";
  }
}

#define RXR_SLOT(name)                                                                             \
  slot<decltype(rxr_driver_vtable::name)>(offsetof(rxr_driver_vtable, name), #name)

} // namespace

DriverHandle::DriverHandle(const PluginInfo &plugin, const std::string &service,
                           HostContext::ConfigLookup config, DriverInstanceSetup setup)
    : _plugin(plugin),
      _host(std::make_unique<HostContext>(service, plugin, std::move(config),
                                          std::move(setup.stateDir), std::move(setup.secrets))),
      _vtable(plugin.entry ? plugin.entry->driver : nullptr) {
  if (!_vtable) throw Error(ErrorKind::Internal, "plugin '" + plugin.name + "' is not loaded");
  const request::EnsureScope requestId;
  rxr_call call = HostContext::makeCall(0);
  rxr_status st = _vtable->create(_host->raw(), service.c_str(), &_driver, &call);
  if (st != RXR_OK || !_driver)
    throw Error(st == RXR_OK ? ErrorKind::Internal : kindOf(st),
                service + ": driver " + plugin.name +
                    " failed to start: " + _host->scrub(text(call.error.message)));
}

DriverHandle::~DriverHandle() {
  if (_driver) _vtable->destroy(_driver);
}

template <typename Slot> Slot DriverHandle::slot(size_t offset, const char *op) const {
  // A plugin built against an older minor has a shorter table: never read
  // past its end.
  Slot value = nullptr;
  if (_vtable->struct_size >= offset + sizeof(Slot))
    value = *reinterpret_cast<const Slot *>(reinterpret_cast<const char *>(_vtable) + offset);
  if (!value)
    throw Error(ErrorKind::Unsupported,
                service() + ": " + op + " is not supported by driver " + _plugin.name);
  return value;
}

template <typename Fn>
void DriverHandle::invoke(const char *op, const Deadline &deadline, Fn &&fn) {
  deadline.check(service() + ": " + op);
  std::unique_lock<std::timed_mutex> lock(_serial, std::defer_lock);
  if (serialized() && !lock.try_lock_until(deadline.when()))
    throw Error(ErrorKind::Timeout, service() + ": " + op +
                                        ": timed out waiting for the driver, which "
                                        "serializes its calls");
  const request::EnsureScope requestId;
  rxr_call call = HostContext::makeCall(deadline.monoMs());
  rxr_status st = fn(&call);
  metrics::backendRequests(service(), op, statusName(st)).add();
  if (st != RXR_OK) fail(op, st, call);
}

void DriverHandle::fail(const char *op, rxr_status status, const rxr_call &call) const {
  std::string message = _host->scrub(text(call.error.message));
  if (message.empty()) message = std::string(op) + " failed with status " + std::to_string(status);
  // Name the service once, whether or not the driver already did.
  const bool named =
      message.rfind(service() + ": ", 0) == 0 || message.rfind(_plugin.name + ": ", 0) == 0;
  throw Error(kindOf(status), named ? message : service() + ": " + message);
}

template <typename Fn>
std::string DriverHandle::invokeString(const char *op, const Deadline &deadline, Fn &&fn) {
  // The driver hands the string to a sink that copies it, whatever its
  // length: an op with side effects (attach) runs exactly once.
  struct Result {
    std::string value;
    int emitted = 0;
  } result;
  const rxr_string_sink sink = {&result, [](void *ctx, const char *value) -> rxr_status {
                                  auto *r = static_cast<Result *>(ctx);
                                  if (!value) return RXR_E_INVALID;
                                  r->value = value;
                                  ++r->emitted;
                                  return RXR_OK;
                                }};
  invoke(op, deadline, [&](rxr_call *c) { return fn(c, &sink); });
  if (result.emitted != 1)
    throw Error(ErrorKind::Internal, service() + ": " + op + " returned " +
                                         std::to_string(result.emitted) +
                                         " results instead of one");
  return result.value;
}

std::string DriverHandle::instanceId(const Deadline &deadline) {
  auto fn = RXR_SLOT(instance_id);
  return invokeString("instance_id", deadline,
                      [&](rxr_call *c, const rxr_string_sink *out) { return fn(_driver, c, out); });
}

std::string DriverHandle::nextDevice(const Deadline &deadline) {
  auto fn = RXR_SLOT(next_device);
  return invokeString("next_device", deadline,
                      [&](rxr_call *c, const rxr_string_sink *out) { return fn(_driver, c, out); });
}

std::vector<Volume> DriverHandle::volumes(const Deadline &deadline) {
  auto fn = RXR_SLOT(volumes_list);
  VolumeCollector out{{}, service()};
  const rxr_volume_sink sink = out.sink();
  invoke("volumes_list", deadline, [&](rxr_call *c) { return fn(_driver, c, &sink); });
  return out.items;
}

Volume DriverHandle::volume(const std::string &id, const Deadline &deadline) {
  auto fn = RXR_SLOT(volume_get);
  VolumeCollector out{{}, service()};
  const rxr_volume_sink sink = out.sink();
  invoke("volume_get", deadline, [&](rxr_call *c) { return fn(_driver, c, id.c_str(), &sink); });
  if (out.items.empty())
    throw Error(ErrorKind::NotFound, service() + ": volume '" + id + "' not found");
  return out.items.front();
}

Volume DriverHandle::createVolume(const DriverCreateRequest &r, const Deadline &deadline) {
  auto fn = RXR_SLOT(volume_create);
  rxr_volume_create_opts opts{};
  opts.struct_size = sizeof opts;
  opts.name = r.name.c_str();
  opts.type = r.type.c_str();
  opts.availability_zone = r.availabilityZone.c_str();
  opts.size_gib = r.sizeGiB;
  opts.iops = r.iops;
  opts.encrypted = r.encrypted ? 1 : 0;
  opts.encryption_key = r.encryptionKey.c_str();
  opts.from_snapshot_id = r.fromSnapshotId.c_str();
  opts.from_volume_id = r.fromVolumeId.c_str();
  std::vector<rxr_kv> extra;
  for (const auto &[key, value] : r.extra) extra.push_back({key.c_str(), value.c_str()});
  opts.extra = extra.data();
  opts.extra_count = extra.size();
  VolumeCollector out{{}, service()};
  const rxr_volume_sink sink = out.sink();
  invoke("volume_create", deadline, [&](rxr_call *c) { return fn(_driver, c, &opts, &sink); });
  if (out.items.empty())
    throw Error(ErrorKind::Internal, service() + ": driver created no volume for '" + r.name + "'");
  return out.items.front();
}

void DriverHandle::removeVolume(const std::string &id, bool force, const Deadline &deadline) {
  auto fn = RXR_SLOT(volume_remove);
  invoke("volume_remove", deadline,
         [&](rxr_call *c) { return fn(_driver, c, id.c_str(), force ? 1 : 0); });
}

std::string DriverHandle::attachVolume(const std::string &id, const std::string &nextDevice,
                                       bool force, const Deadline &deadline,
                                       const std::string &instanceId) {
  auto fn = RXR_SLOT(volume_attach);
  // A plugin built before 1.3 does not know the field and would attach
  // the volume here instead.
  if (!instanceId.empty() && _plugin.abiMinor < 3)
    throw Error(ErrorKind::NotFound,
                service() + ": instance '" + instanceId + "' is not this host, and driver " +
                    _plugin.name + " (ABI " + std::to_string(_plugin.abiMajor) + "." +
                    std::to_string(_plugin.abiMinor) + ") attaches volumes to its own host only");
  rxr_attach_opts opts{};
  opts.struct_size = sizeof opts;
  opts.volume_id = id.c_str();
  opts.next_device = nextDevice.c_str();
  opts.force = force ? 1 : 0;
  opts.instance_id = instanceId.c_str();
  return invokeString("volume_attach", deadline, [&](rxr_call *c, const rxr_string_sink *out) {
    return fn(_driver, c, &opts, out);
  });
}

void DriverHandle::detachVolume(const std::string &id, bool force, const Deadline &deadline) {
  auto fn = RXR_SLOT(volume_detach);
  invoke("volume_detach", deadline,
         [&](rxr_call *c) { return fn(_driver, c, id.c_str(), force ? 1 : 0); });
}

template <typename Slot> bool DriverHandle::hasSlot(size_t offset, const char *op) const {
  try {
    slot<Slot>(offset, op);
    return true;
  } catch (const Error &) {
    return false;
  }
}

#define RXR_HAS_SLOT(name)                                                                         \
  hasSlot<decltype(rxr_driver_vtable::name)>(offsetof(rxr_driver_vtable, name), #name)

bool DriverHandle::supportsWaitForDevice() const {
  return RXR_HAS_SLOT(wait_for_device);
}

bool DriverHandle::supportsExpand() const {
  return RXR_HAS_SLOT(volume_expand);
}

bool DriverHandle::supportsInstanceInfo() const {
  return RXR_HAS_SLOT(instance_info);
}

bool DriverHandle::supportsCapacity() const {
  return RXR_HAS_SLOT(capacity);
}

InstanceInfo DriverHandle::instanceInfo(const Deadline &deadline) {
  auto fn = RXR_SLOT(instance_info);
  struct Result {
    InstanceInfo info;
    int emitted = 0;
  } result;
  const rxr_instance_sink sink = {&result, [](void *ctx, const rxr_instance_info *i) -> rxr_status {
                                    auto *r = static_cast<Result *>(ctx);
                                    if (!i) return RXR_E_INVALID;
                                    if (RXR_HAS(i, rxr_instance_info, zone))
                                      r->info.zone = text(i->zone);
                                    if (RXR_HAS(i, rxr_instance_info, max_attachments))
                                      r->info.maxAttachments = i->max_attachments;
                                    ++r->emitted;
                                    return RXR_OK;
                                  }};
  invoke("instance_info", deadline, [&](rxr_call *c) { return fn(_driver, c, &sink); });
  if (result.emitted != 1)
    throw Error(ErrorKind::Internal, service() + ": instance_info returned " +
                                         std::to_string(result.emitted) +
                                         " results instead of one");
  if (result.info.maxAttachments < 0) result.info.maxAttachments = 0;
  return result.info;
}

int64_t DriverHandle::capacityBytes(const std::string &zone, const Deadline &deadline) {
  auto fn = RXR_SLOT(capacity);
  int64_t bytes = -1;
  invoke("capacity", deadline, [&](rxr_call *c) { return fn(_driver, c, zone.c_str(), &bytes); });
  if (bytes < 0) throw Error(ErrorKind::Internal, service() + ": capacity reported no size");
  return bytes;
}

std::string DriverHandle::waitForDevice(const std::string &volumeId, const std::string &token,
                                        const Deadline &deadline) {
  auto fn = RXR_SLOT(wait_for_device);
  return invokeString("wait_for_device", deadline, [&](rxr_call *c, const rxr_string_sink *out) {
    return fn(_driver, c, volumeId.c_str(), token.c_str(), out);
  });
}

std::vector<Snapshot> DriverHandle::snapshots(const std::string &volumeId,
                                              const Deadline &deadline) {
  auto fn = RXR_SLOT(snapshots_list);
  SnapshotCollector out{{}, service()};
  const rxr_snapshot_sink sink = out.sink();
  invoke("snapshots_list", deadline,
         [&](rxr_call *c) { return fn(_driver, c, volumeId.c_str(), &sink); });
  return out.items;
}

Snapshot DriverHandle::createSnapshot(const std::string &volumeId, const std::string &name,
                                      const std::string &description, const Deadline &deadline) {
  auto fn = RXR_SLOT(snapshot_create);
  SnapshotCollector out{{}, service()};
  const rxr_snapshot_sink sink = out.sink();
  invoke("snapshot_create", deadline, [&](rxr_call *c) {
    return fn(_driver, c, volumeId.c_str(), name.c_str(), description.c_str(), &sink);
  });
  if (out.items.empty())
    throw Error(ErrorKind::Internal, service() + ": driver returned no snapshot");
  return out.items.front();
}

void DriverHandle::removeSnapshot(const std::string &id, const Deadline &deadline) {
  auto fn = RXR_SLOT(snapshot_remove);
  invoke("snapshot_remove", deadline, [&](rxr_call *c) { return fn(_driver, c, id.c_str()); });
}

Snapshot DriverHandle::copySnapshot(const std::string &id, const std::string &destName,
                                    const std::string &destRegion, const Deadline &deadline) {
  auto fn = RXR_SLOT(snapshot_copy);
  SnapshotCollector out{{}, service()};
  const rxr_snapshot_sink sink = out.sink();
  invoke("snapshot_copy", deadline, [&](rxr_call *c) {
    return fn(_driver, c, id.c_str(), destName.c_str(), destRegion.c_str(), &sink);
  });
  if (out.items.empty())
    throw Error(ErrorKind::Internal, service() + ": driver returned no snapshot copy");
  return out.items.front();
}

Volume DriverHandle::expandVolume(const std::string &id, int64_t sizeGiB,
                                  const Deadline &deadline) {
  auto fn = RXR_SLOT(volume_expand);
  VolumeCollector out{{}, service()};
  const rxr_volume_sink sink = out.sink();
  invoke("volume_expand", deadline,
         [&](rxr_call *c) { return fn(_driver, c, id.c_str(), sizeGiB, &sink); });
  if (out.items.empty())
    throw Error(ErrorKind::Internal, service() + ": driver returned no volume after expanding");
  return out.items.front();
}

} // namespace rexray
