#include "ScaleioDriver.h"

#include "GatewayError.h"
#include "SdcIdentity.h"
#include "VolumeRules.h"

#include <algorithm>
#include <cctype>

namespace rexray::scaleio {

namespace {

using sdk::support::Deadline;

// When a call comes without a deadline (a host older than 1.1 never does
// that): long enough for a gateway that is slow, short enough not to hang.
constexpr int64_t kFallbackMs = 120000;
// drv_cfg answers at once; a hung one must not eat the whole call.
constexpr int64_t kDrvCfgMs = 10000;

const char *const kSdcRel = "/api/System/relationship/Sdc";

// A copy is made through a snapshot of its source, renamed to this prefix
// and the copy's id (15 + 16 characters: within ScaleIO's 31), so that it is
// told apart from the user's snapshots without any state of our own.
const std::string kCopyBasePrefix = "rexray-copy-of-";

bool isCopyBase(const Volume &v, const std::map<std::string, const Volume *> &byId) {
  if (v.name.compare(0, kCopyBasePrefix.size(), kCopyBasePrefix) != 0) return false;
  const auto copy = byId.find(v.name.substr(kCopyBasePrefix.size()));
  return copy != byId.end() && copy->second->ancestorVolumeId == v.id;
}

Deadline deadlineOf(const sdk::Call &call) {
  return Deadline::of(call, kFallbackMs);
}

// Volume ids are hex; anything else cannot be one and must not reach a URL.
bool plausibleId(const std::string &s) {
  return !s.empty() && s.size() <= 32 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c); });
}

bool mappedTo(const Volume &v, const std::string &sdcId) {
  return std::any_of(v.mappings.begin(), v.mappings.end(),
                     [&](const Mapping &m) { return m.sdcId == sdcId; });
}

std::string sdcList(const Volume &v) {
  std::string out;
  for (const auto &m : v.mappings) out += (out.empty() ? "" : ", ") + m.sdcId;
  return out;
}

// The host hands declared options over under their declared spelling.
std::string option(const sdk::CreateOptions &opts, const std::string &name) {
  for (const auto &[k, v] : opts.extra)
    if (k == name) return v;
  return {};
}

} // namespace

ScaleioDriver::ScaleioDriver(const sdk::Host &host, std::string service)
    : ScaleioDriver(host, std::move(service), ScaleioSettings::load(host), nullptr) {}

ScaleioDriver::ScaleioDriver(const sdk::Host &host, std::string service, ScaleioSettings settings,
                             std::unique_ptr<GatewayTransport> transport)
    : Driver(host, std::move(service)), _settings(std::move(settings)),
      _gateway(transport ? std::move(transport) : makeHttpTransport(_settings),
               Credentials{_settings.userName, _settings.password, _settings.apiVersion,
                           _settings.endpoint}) {
  if (_settings.https() && _settings.insecure)
    this->host().warn("scaleio.insecure: the gateway's certificate is not verified");
}

// ---- discovery, cached for the instance's life (the gateway's topology
// does not change under a running driver; a restart re-reads it)

const Topology &ScaleioDriver::topology(const Deadline &d) {
  std::lock_guard<std::mutex> lock(_mutex);
  if (!_topology) {
    _topology = Topology::discover(_gateway, _settings, d);
    _devices.emplace(_settings.deviceRoot, _topology->system.id);
    host().info("system " + _topology->system.name + " (" + _topology->system.id + "), " +
                std::to_string(_topology->pools.size()) + " storage pools");
  }
  return *_topology;
}

const Sdc &ScaleioDriver::thisSdc(const Deadline &d) {
  const Topology &t = topology(d);
  std::lock_guard<std::mutex> lock(_mutex);
  if (!_sdc) {
    const std::string guid = _settings.guid.empty()
                                 ? queryGuid(_settings.drvCfgPath, d.capped(kDrvCfgMs))
                                 : _settings.guid;
    auto href = t.system.link(kSdcRel);
    if (!href)
      throw sdk::Error(RXR_E_BACKEND, "system " + t.system.id + " has no link '" + kSdcRel + "'");
    const auto sdcs = parseSdcs(_gateway.get(*href, d));
    _sdc = sdcWithGuid(sdcs, guid, t.system.name + " (" + t.system.id + ")");
    host().info("this host is SDC " + _sdc->id + " (GUID " + _sdc->guid + ")");
  }
  return *_sdc;
}

std::optional<std::string> ScaleioDriver::knownSdcId() {
  std::lock_guard<std::mutex> lock(_mutex);
  if (_sdc) return _sdc->id;
  return std::nullopt;
}

// ---- volumes as the gateway has them

std::vector<Volume> ScaleioDriver::everything(const Deadline &d) {
  return parseVolumes(_gateway.get("/api/types/Volume/instances", d));
}

std::optional<std::string> ScaleioDriver::idOfName(const std::string &name, const Deadline &d) {
  try {
    return parseString(_gateway.post("/api/types/Volume/instances/action/queryIdByKey",
                                     jsonObject({{"name", name}}), d),
                       "volume id");
  } catch (const GatewayError &e) {
    if (e.status() == RXR_E_NOT_FOUND) return std::nullopt;
    throw;
  }
}

Volume ScaleioDriver::fetch(const std::string &idOrName, const Deadline &d,
                            const std::string &what) {
  if (plausibleId(idOrName)) {
    try {
      return parseVolume(_gateway.get("/api/instances/Volume::" + idOrName, d));
    } catch (const GatewayError &e) {
      if (e.status() != RXR_E_NOT_FOUND) throw;
    }
  }
  // The host resolves names itself; this is for a caller that passed one.
  if (!idOrName.empty() && idOrName.size() <= kMaxNameLength) {
    if (auto id = idOfName(idOrName, d); id && plausibleId(*id) && *id != idOrName)
      return parseVolume(_gateway.get("/api/instances/Volume::" + *id, d));
  }
  throw sdk::Error(RXR_E_NOT_FOUND, what + " '" + idOrName + "' not found");
}

std::string ScaleioDriver::volumeHref(const Volume &v) const {
  // REX-Ray acts on the href the gateway gave (its "self" link).
  if (auto self = v.link("self")) return *self;
  return "/api/instances/Volume::" + v.id;
}

void ScaleioDriver::action(const Volume &v, const std::string &name, const std::string &body,
                           const Deadline &d) {
  _gateway.post(volumeHref(v) + "/action/" + name, body, d);
}

void ScaleioDriver::unmap(const Volume &v, const std::string &sdcId, const Deadline &d) {
  try {
    action(v, "removeMappedSdc", jsonObject({{"sdcId", sdcId}, {"ignoreScsiInitiators", "true"}}),
           d);
  } catch (const GatewayError &e) {
    if (e.errorCode() != kCodeNotMapped) throw; // already gone: the goal is met
  }
}

void ScaleioDriver::unmapAll(const Volume &v, const Deadline &d) {
  try {
    action(v, "removeMappedSdc",
           jsonObject({{"allSdcs", "true"}, {"ignoreScsiInitiators", "true"}}), d);
  } catch (const GatewayError &e) {
    if (e.errorCode() != kCodeNotMapped) throw;
  }
}

std::string ScaleioDriver::snapshotOf(const std::string &sourceId, const std::string &name,
                                      const Deadline &d) {
  const Topology &t = topology(d);
  auto self = t.system.link("self");
  const std::string href = (self ? *self : "/api/instances/System::" + t.system.id);
  try {
    return parseSnapshotIds(
               _gateway.post(href + "/action/snapshotVolumes", snapshotRequest(sourceId, name), d))
        .front();
  } catch (const GatewayError &e) {
    if (e.status() == RXR_E_EXISTS)
      throw sdk::Error(RXR_E_EXISTS, "the name '" + name + "' is already in use");
    throw;
  }
}

Volume ScaleioDriver::volumeFromSnapshot(const std::string &snapshotId,
                                         const sdk::CreateOptions &opts, const Deadline &d) {
  // A snapshot of the snapshot is a writable copy of its data: ScaleIO's
  // only way (and Cinder's) to make a volume from one.
  const std::string id = snapshotOf(snapshotId, opts.name, d);
  Volume made = fetch(id, d, "volume");
  if (opts.sizeGiB > sizeGiBOf(made.sizeKb)) {
    const int64_t gib = roundedSizeGiB(opts.sizeGiB);
    action(made, "setVolumeSize", jsonObject({{"sizeInGB", std::to_string(gib)}}), d);
    made = fetch(id, d, "volume");
  }
  return made;
}

Volume ScaleioDriver::copyOf(const sdk::CreateOptions &opts, const Deadline &d) {
  const Volume source = fetch(opts.fromVolumeId, d, "volume");
  const auto all = everything(d);
  // A snapshot's snapshot already is a volume (VolumeKind.h).
  if (isSnapshot(source, indexById(all))) {
    const Volume made = volumeFromSnapshot(source.id, opts, d);
    host().info("volume " + opts.name + " (" + made.id + ") copied from snapshot " + source.id);
    return made;
  }
  // Refused before the base exists, so a taken name leaves nothing behind.
  if (idOfName(opts.name, d))
    throw sdk::Error(RXR_E_EXISTS, "the name '" + opts.name + "' is already in use");
  // A snapshot of a volume would be listed as a snapshot, so the copy is made
  // as a restore is: the volume's snapshot (the base), then the base's
  // snapshot, which is a volume holding the source's data.
  Volume base;
  base.id = snapshotOf(source.id, "", d);
  Volume made;
  try {
    made = volumeFromSnapshot(base.id, opts, d);
  } catch (...) {
    // Without its copy the base is a snapshot nobody asked for.
    try {
      action(base, "removeVolume", jsonObject({{"removeMode", "ONLY_ME"}}), d);
    } catch (const std::exception &e) {
      host().warn("snapshot " + base.id + " made to copy " + source.id +
                  " is left behind: " + e.what());
    }
    throw;
  }
  try {
    // The name ties the base to its copy: hidden from snapshot listings and
    // removed with the copy (kCopyBasePrefix).
    action(base, "setVolumeName", jsonObject({{"newName", kCopyBasePrefix + made.id}}), d);
  } catch (const std::exception &e) {
    host().warn("volume " + made.id + ": could not name the snapshot it was copied through (" +
                base.id + "), so it is listed as a snapshot of " + source.id + ": " + e.what());
  }
  host().info("volume " + opts.name + " (" + made.id + ") copied from volume " + source.name);
  return made;
}

void ScaleioDriver::removeCopyBase(const Volume &copy, const Deadline &d) {
  try {
    const auto all = everything(d);
    const auto byId = indexById(all);
    const auto it = byId.find(copy.ancestorVolumeId);
    // Its name says whose base it is; the copy itself is gone from the list.
    if (it == byId.end() || it->second->name != kCopyBasePrefix + copy.id ||
        !it->second->mappings.empty())
      return;
    const auto child = std::find_if(all.begin(), all.end(), [&](const Volume &v) {
      return v.ancestorVolumeId == copy.ancestorVolumeId;
    });
    if (child != all.end()) return; // someone made a volume from it: it stays theirs
    action(*it->second, "removeVolume", jsonObject({{"removeMode", "ONLY_ME"}}), d);
  } catch (const std::exception &e) {
    // The copy is gone, which is what was asked; the base is now listed.
    host().warn("volume " + copy.id + " removed, but not the snapshot it was copied through (" +
                copy.ancestorVolumeId + "): " + e.what());
  }
}

sdk::Volume ScaleioDriver::toVolume(const Volume &v, const Topology &t) {
  sdk::Volume out;
  out.id = v.id;
  out.name = v.name;
  const StoragePool *pool = t.poolById(v.storagePoolId);
  out.type = pool ? (pool->name.empty() ? pool->id : pool->name) : v.storagePoolId;
  out.availabilityZone = pool ? t.protectionDomainName(pool->protectionDomainId) : "";
  out.status = v.mappings.empty() ? "available" : "attached";
  out.sizeGiB = sizeGiBOf(v.sizeKb);
  out.createdUnix = v.creationTime;
  if (!v.mappings.empty()) {
    out.iops = v.mappings.front().limitIops;
    const auto ours = knownSdcId();
    out.attachedInstanceId = ours && mappedTo(v, *ours) ? *ours : v.mappings.front().sdcId;
    if (_devices)
      if (auto device = _devices->find(v.id)) out.attachedDevice = *device;
  }
  out.fields.emplace_back("provisioning", v.volumeType);
  out.fields.emplace_back("storagePoolID", v.storagePoolId);
  if (pool) out.fields.emplace_back("protectionDomainID", pool->protectionDomainId);
  if (!v.ancestorVolumeId.empty()) out.fields.emplace_back("ancestorVolumeID", v.ancestorVolumeId);
  if (v.mappings.size() > 1) out.fields.emplace_back("mappedSdcIDs", sdcList(v));
  return out;
}

sdk::Snapshot ScaleioDriver::toSnapshot(const Volume &v) {
  sdk::Snapshot s;
  s.id = v.id;
  s.name = v.name;
  s.volumeId = v.ancestorVolumeId;
  s.status = "available";
  s.sizeGiB = sizeGiBOf(v.sizeKb);
  s.startTimeUnix = v.creationTime;
  return s;
}

// ---- the operations

std::string ScaleioDriver::instanceId(const sdk::Call &call) {
  return thisSdc(deadlineOf(call)).id;
}

std::vector<sdk::Volume> ScaleioDriver::volumes(const sdk::Call &call) {
  const Deadline d = deadlineOf(call);
  const Topology &t = topology(d);
  const auto all = everything(d);
  const auto byId = indexById(all);
  std::vector<sdk::Volume> out;
  for (const auto &v : all)
    if (!isSnapshot(v, byId)) out.push_back(toVolume(v, t));
  return out;
}

sdk::Volume ScaleioDriver::volume(const sdk::Call &call, const std::string &id) {
  const Deadline d = deadlineOf(call);
  const Topology &t = topology(d);
  return toVolume(fetch(id, d, "volume"), t);
}

sdk::Volume ScaleioDriver::createVolume(const sdk::Call &call, const sdk::CreateOptions &opts) {
  const Deadline d = deadlineOf(call);
  checkName(opts.name, "volume");
  const Topology &t = topology(d);
  if (!opts.fromVolumeId.empty()) return toVolume(copyOf(opts, d), t);
  if (!opts.fromSnapshotId.empty()) {
    const Volume source = fetch(opts.fromSnapshotId, d, "snapshot");
    const Volume made = volumeFromSnapshot(source.id, opts, d);
    host().info("volume " + opts.name + " (" + made.id + ") created from snapshot " + source.name);
    return toVolume(made, t);
  }
  const std::string poolOption = option(opts, "storagePool");
  const StoragePool &pool = t.poolFor(poolOption.empty() ? opts.type : poolOption);
  const std::string thinOrThick =
      option(opts, "thinOrThick").empty()
          ? _settings.thinOrThick
          : provisioningType(option(opts, "thinOrThick"), "thinOrThick");
  const int64_t gib = roundedSizeGiB(opts.sizeGiB);
  if (gib != opts.sizeGiB)
    host().info("volume " + opts.name + ": " + std::to_string(opts.sizeGiB) +
                " GiB rounded up to " + std::to_string(gib) +
                " GiB (ScaleIO allocates in 8 GiB units)");
  std::string id;
  try {
    id = parseCreatedId(_gateway.post("/api/types/Volume/instances",
                                      jsonObject({{"protectionDomainId", pool.protectionDomainId},
                                                  {"storagePoolId", pool.id},
                                                  {"volumeType", thinOrThick},
                                                  {"volumeSizeInKb", std::to_string(sizeInKb(gib))},
                                                  {"name", opts.name}}),
                                      d));
  } catch (const GatewayError &e) {
    if (e.status() == RXR_E_EXISTS)
      throw sdk::Error(RXR_E_EXISTS, "the name '" + opts.name + "' is already in use");
    throw;
  }
  host().info("volume " + opts.name + " (" + id + ") created in pool " + pool.name);
  return toVolume(fetch(id, d, "volume"), t);
}

void ScaleioDriver::removeVolume(const sdk::Call &call, const std::string &id, bool force) {
  const Deadline d = deadlineOf(call);
  const Volume v = fetch(id, d, "volume");
  if (!v.mappings.empty()) {
    if (!force)
      throw sdk::Error(RXR_E_BUSY, "volume " + v.id + " is attached to SDC " + sdcList(v) +
                                       ": detach it first");
    unmapAll(v, d);
  }
  action(v, "removeVolume", jsonObject({{"removeMode", "ONLY_ME"}}), d);
  if (!v.ancestorVolumeId.empty()) removeCopyBase(v, d);
}

std::string ScaleioDriver::attachVolume(const sdk::Call &call, const sdk::AttachOptions &opts) {
  const Deadline d = deadlineOf(call);
  const std::string sdcId = thisSdc(d).id;
  // Another SDC (ABI 1.3 instance_id): mapping is this host's only.
  if (!opts.instanceId.empty() && opts.instanceId != sdcId)
    throw sdk::Error(RXR_E_NOT_FOUND, "SDC " + opts.instanceId + " is not this host (SDC " + sdcId +
                                          "): scaleio maps volumes to its own SDC only");
  const Volume v = fetch(opts.volumeId, d, "volume");
  if (mappedTo(v, sdcId)) return v.id;
  if (!v.mappings.empty()) {
    if (!opts.force)
      throw sdk::Error(RXR_E_BUSY, "volume " + v.id + " is attached to SDC " + sdcList(v));
    host().warn("volume " + v.id + ": taking it from SDC " + sdcList(v));
    unmapAll(v, d);
  }
  try {
    action(v, "addMappedSdc", jsonObject({{"sdcId", sdcId}, {"allowMultipleMappings", "false"}}),
           d);
  } catch (const GatewayError &e) {
    if (e.errorCode() != kCodeAlreadyMapped) throw; // a concurrent attach won the race
  }
  return v.id;
}

void ScaleioDriver::detachVolume(const sdk::Call &call, const std::string &id, bool force) {
  const Deadline d = deadlineOf(call);
  const Volume v = fetch(id, d, "volume");
  if (v.mappings.empty()) return;
  if (force) return unmapAll(v, d);
  for (const auto &m : v.mappings) unmap(v, m.sdcId, d);
}

std::string ScaleioDriver::waitForDevice(const sdk::Call &call, const std::string &volumeId,
                                         const std::string &token) {
  const Deadline d = deadlineOf(call);
  topology(d); // the locator needs the system id
  // The device follows from the volume ID alone (emc-vol-<system>-<volume>).
  // The token is ignored: a volume mapped here before the host recorded it
  // arrives with the device path it was reported at instead of our token.
  (void)token;
  return _devices->wait(volumeId, d);
}

std::vector<sdk::Snapshot> ScaleioDriver::snapshots(const sdk::Call &call,
                                                    const std::string &volumeId) {
  const Deadline d = deadlineOf(call);
  const auto all = everything(d);
  const auto byId = indexById(all);
  std::vector<sdk::Snapshot> out;
  for (const auto &v : all)
    if (isSnapshot(v, byId) && !isCopyBase(v, byId) &&
        (volumeId.empty() || v.ancestorVolumeId == volumeId))
      out.push_back(toSnapshot(v));
  return out;
}

sdk::Snapshot ScaleioDriver::createSnapshot(const sdk::Call &call, const std::string &volumeId,
                                            const std::string &name, const std::string &) {
  const Deadline d = deadlineOf(call);
  checkName(name, "snapshot");
  const Volume source = fetch(volumeId, d, "volume");
  // goscaleio's order: refuse a taken name before making anything.
  if (idOfName(name, d))
    throw sdk::Error(RXR_E_EXISTS, "the name '" + name + "' is already in use");
  const std::string id = snapshotOf(source.id, name, d);
  host().info("snapshot " + name + " (" + id + ") of volume " + source.id);
  return toSnapshot(fetch(id, d, "snapshot"));
}

void ScaleioDriver::removeSnapshot(const sdk::Call &call, const std::string &id) {
  const Deadline d = deadlineOf(call);
  const Volume snap = fetch(id, d, "snapshot");
  const auto all = everything(d);
  const auto byId = indexById(all);
  if (!isSnapshot(snap, byId))
    throw sdk::Error(RXR_E_INVALID, snap.id + " is a volume, not a snapshot");
  std::string children;
  for (const auto &v : all)
    if (v.ancestorVolumeId == snap.id)
      children += (children.empty() ? "" : ", ") + (v.name.empty() ? v.id : v.name);
  // Its volumes would turn into snapshots (see VolumeKind.h).
  if (!children.empty())
    throw sdk::Error(RXR_E_BUSY, "snapshot " + snap.id + " has volumes created from it (" +
                                     children + "): remove them first");
  if (!snap.mappings.empty())
    throw sdk::Error(RXR_E_BUSY, "snapshot " + snap.id + " is mapped to SDC " + sdcList(snap));
  action(snap, "removeVolume", jsonObject({{"removeMode", "ONLY_ME"}}), d);
}

} // namespace rexray::scaleio
