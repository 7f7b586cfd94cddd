#include "VirtualBoxDriver.h"

#include "HostIdentity.h"
#include "MachineLock.h"
#include "PortPlanner.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

namespace rexray::virtualbox {

namespace {

using sdk::Error;

// Limits for calls the host sends without a deadline.
constexpr int64_t kDefaultCallMs = 60000;
constexpr int64_t kDefaultDeviceWaitMs = 30000;
// Closing a half-made medium is cleanup: it gets its own short deadline.
constexpr int64_t kCleanupMs = 10000;

std::string lower(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool contains(const std::vector<std::string> &v, const std::string &x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string join(const std::vector<std::string> &v, const std::string &sep) {
  std::string out;
  for (const auto &s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string quoted(const std::string &s) {
  return "'" + s + "'";
}

// Lock attempts stop early enough to leave the rest of the operation (attach,
// save, device discovery) a share of the deadline.
Deadline lockDeadline(Deadline d) {
  const int64_t remaining = d.remainingMs();
  const int64_t reserve = std::min<int64_t>(3000, remaining / 5);
  return d.capped(std::max<int64_t>(remaining - reserve, 0));
}

} // namespace

// ---------------------------------------------------------------------------
// construction

VirtualBoxDriver::VirtualBoxDriver(const sdk::Host &host, std::string service)
    : VirtualBoxDriver(host, std::move(service), VboxConfig::load(host), nullptr) {}

VirtualBoxDriver::VirtualBoxDriver(const sdk::Host &host, std::string service,
                                   std::unique_ptr<SoapTransport> transport)
    : VirtualBoxDriver(host, std::move(service), VboxConfig::load(host), std::move(transport)) {}

VirtualBoxDriver::VirtualBoxDriver(const sdk::Host &host, std::string service, VboxConfig cfg,
                                   std::unique_ptr<SoapTransport> transport)
    : sdk::Driver(host, std::move(service)), _cfg(std::move(cfg)), _layout(_cfg.volumePath),
      _disks(_cfg.diskIdPath) {
  if (!transport)
    transport = makeHttpTransport({_cfg.endpoint, _cfg.username, _cfg.password, _cfg.tls});
  _client = std::make_unique<VboxClient>(
      std::move(transport), _cfg.username, _cfg.password,
      [this](rxr_log_level level, const std::string &message) { log(level, message); });
  log(RXR_LOG_DEBUG, "endpoint " + _cfg.endpoint + ", volumePath " + _layout.volumePath() +
                         ", controller " + _cfg.controllerName + ", format " + _cfg.mediumFormat);
}

VirtualBoxDriver::~VirtualBoxDriver() {
  _client.reset(); // logs off while the host is still there to log to
}

void VirtualBoxDriver::log(rxr_log_level level, const std::string &message) const {
  host().log(level, message);
}

template <typename F>
auto VirtualBoxDriver::run(const sdk::Call &call, const std::string &what, F &&body) {
  const Deadline d = Deadline::of(call, kDefaultCallMs);
  try {
    return _client->withSession(d, [&] { return body(d); });
  } catch (const VboxFault &fault) {
    throw toError(fault, what);
  } catch (const std::invalid_argument &e) {
    throw Error(RXR_E_INVALID, e.what());
  }
}

// ---------------------------------------------------------------------------
// this machine

std::string VirtualBoxDriver::identify(Deadline d) {
  const std::string vbox = _client->vbox(d);
  const std::string &wanted = _cfg.localMachineNameOrId;
  if (!wanted.empty() || !_selfId.empty()) {
    const std::string nameOrId = wanted.empty() ? _selfId : wanted;
    try {
      return _client->getString("IVirtualBox_findMachine", vbox, d, {{"nameOrId", nameOrId}});
    } catch (const VboxFault &fault) {
      if (!fault.is(hresult::kObjectNotFound)) throw;
      throw Error(RXR_E_NOT_FOUND,
                  "no machine " + quoted(nameOrId) + " is registered with vboxwebsrv at " +
                      _cfg.endpoint + (wanted.empty() ? "" : " (virtualbox.localMachineNameOrId)") +
                      ": " + fault.detail(),
                  fault.fault().resultCode);
    }
  }

  const auto machines = _client->getStrings("IVirtualBox_getMachines", vbox, d);
  const std::string dmi = identity::readDmiProductUuid();
  if (!dmi.empty()) {
    for (const auto &m : machines) {
      if (identity::dmiUuidMatches(dmi, _client->getString("IMachine_getId", m, d))) return m;
      try {
        if (identity::dmiUuidMatches(dmi, _client->getString("IMachine_getHardwareUUID", m, d)))
          return m;
      } catch (const VboxFault &fault) {
        if (fault.isInvalidObject()) throw;
      }
    }
  }
  const auto macs = identity::readMacAddresses();
  if (!macs.empty() && !machines.empty()) {
    const std::string props = _client->getString("IVirtualBox_getSystemProperties", vbox, d);
    for (const auto &m : machines) {
      const std::string chipset = _client->getString("IMachine_getChipsetType", m, d);
      const int64_t slots = _client->getInt("ISystemProperties_getMaxNetworkAdapters", props, d,
                                            {{"chipset", chipset.empty() ? "PIIX3" : chipset}});
      for (int64_t slot = 0; slot < slots; ++slot) {
        const std::string adapter = _client->getString("IMachine_getNetworkAdapter", m, d,
                                                       {{"slot", std::to_string(slot)}});
        if (adapter.empty()) continue;
        const std::string mac =
            identity::normalizeMac(_client->getString("INetworkAdapter_getMACAddress", adapter, d));
        if (!mac.empty() && contains(macs, mac)) return m;
      }
    }
  }
  throw Error(RXR_E_NOT_FOUND,
              "cannot tell which of the " + std::to_string(machines.size()) +
                  " machines registered with vboxwebsrv at " + _cfg.endpoint +
                  " is this host: none has its DMI UUID (" + (dmi.empty() ? "unreadable" : dmi) +
                  ") or one of its MAC addresses (" + (macs.empty() ? "none" : join(macs, ", ")) +
                  "); set virtualbox.localMachineNameOrId");
}

const std::string &VirtualBoxDriver::selfRef(Deadline d) {
  if (_selfRef.empty() || _selfGeneration != _client->generation()) {
    _selfRef.clear();
    std::string ref = identify(d);
    if (_selfId.empty()) {
      _selfId = lower(_client->getString("IMachine_getId", ref, d));
      _selfName = _client->getString("IMachine_getName", ref, d);
      _machineNames[_selfId] = _selfName;
      log(RXR_LOG_INFO, "this host is machine " + quoted(_selfName) + " (" + _selfId + ")");
    }
    _selfRef = std::move(ref);
    _selfGeneration = _client->generation();
  }
  return _selfRef;
}

const std::string &VirtualBoxDriver::selfId(Deadline d) {
  if (_selfId.empty()) selfRef(d);
  return _selfId;
}

std::string VirtualBoxDriver::machineLabel(const std::string &uuid, Deadline d) {
  auto it = _machineNames.find(uuid);
  if (it == _machineNames.end()) {
    std::string name;
    try {
      const std::string m =
          _client->getString("IVirtualBox_findMachine", _client->vbox(d), d, {{"nameOrId", uuid}});
      name = _client->getString("IMachine_getName", m, d);
    } catch (const VboxFault &fault) {
      if (fault.isInvalidObject()) throw;
    }
    if (name.empty()) return uuid;
    it = _machineNames.emplace(uuid, name).first;
  }
  return quoted(it->second) + " (" + uuid + ")";
}

std::string VirtualBoxDriver::instanceId(const sdk::Call &call) {
  if (!_selfId.empty()) return _selfId;
  return run(call, "finding this machine", [&](Deadline d) { return selfId(d); });
}

// ---------------------------------------------------------------------------
// media

std::vector<VirtualBoxDriver::Medium>
VirtualBoxDriver::scan(Deadline d, std::optional<MediumLayout::Kind> kind) {
  std::vector<Medium> out;
  const auto refs = _client->getStrings("IVirtualBox_getHardDisks", _client->vbox(d), d);
  for (const auto &ref : refs) {
    std::string location;
    try {
      location = _client->getString("IMedium_getLocation", ref, d);
    } catch (const VboxFault &fault) {
      // A medium deleted meanwhile is simply no longer there.
      log(RXR_LOG_DEBUG, std::string("skipping medium ") + ref + ": " + fault.what());
      continue;
    }
    auto entry = _layout.classify(location);
    if (!entry || (kind && entry->kind != *kind)) continue;
    Medium m;
    m.ref = ref;
    m.location = location;
    m.entry = std::move(*entry);
    out.push_back(std::move(m));
  }
  return out;
}

void VirtualBoxDriver::describe(Medium &m, Deadline d) {
  if (m.id.empty()) m.id = lower(_client->getString("IMedium_getId", m.ref, d));
  m.logicalSize = _client->getInt("IMedium_getLogicalSize", m.ref, d);
  m.machineIds.clear();
  for (auto &id : _client->getStrings("IMedium_getMachineIds", m.ref, d))
    m.machineIds.push_back(lower(id));
}

std::optional<VirtualBoxDriver::Medium>
VirtualBoxDriver::find(const std::string &id, MediumLayout::Kind kind, Deadline d) {
  const std::string wanted = lower(id);
  if (!MediumLayout::isUuid(wanted)) return std::nullopt;
  for (auto &m : scan(d, kind)) {
    try {
      m.id = lower(_client->getString("IMedium_getId", m.ref, d));
    } catch (const VboxFault &fault) {
      if (fault.isInvalidObject()) throw;
      continue;
    }
    if (m.id != wanted) continue;
    describe(m, d);
    return std::move(m);
  }
  return std::nullopt;
}

VirtualBoxDriver::Medium VirtualBoxDriver::require(const std::string &id, MediumLayout::Kind kind,
                                                   Deadline d) {
  auto m = find(id, kind, d);
  if (!m)
    throw Error(RXR_E_NOT_FOUND,
                std::string(kind == MediumLayout::Kind::Volume ? "volume " : "snapshot ") +
                    quoted(id) + " not found under " + _layout.volumePath() + " at " +
                    _cfg.endpoint);
  return std::move(*m);
}

std::string VirtualBoxDriver::formatOf(const Medium &m) const {
  const std::string ext = m.entry.extension;
  if (ext == "vmdk" || ext == "vdi" || ext == "vhd") return ext;
  return _cfg.mediumFormat;
}

sdk::Volume VirtualBoxDriver::toVolume(const Medium &m, Deadline d) {
  sdk::Volume v;
  v.id = m.id;
  v.name = m.entry.name;
  v.type = formatOf(m);
  v.status = m.location; // as REX-Ray: the medium's location on the VirtualBox host
  v.sizeGiB = m.logicalSize / kGiB;
  std::string me;
  if (!m.machineIds.empty()) {
    try {
      me = selfId(d);
    } catch (const Error &e) {
      log(RXR_LOG_DEBUG, e.what()); // not identified: report the first holder
    } catch (const VboxFault &fault) {
      log(RXR_LOG_DEBUG, fault.what());
    }
  }
  if (!me.empty() && contains(m.machineIds, me)) {
    v.attachedInstanceId = me;
    v.attachedDevice = _disks.find(m.id);
  } else if (!m.machineIds.empty()) {
    v.attachedInstanceId = m.machineIds.front();
  }
  v.fields.emplace_back("location", m.location);
  if (!m.machineIds.empty()) v.fields.emplace_back("machineIds", join(m.machineIds, ","));
  return v;
}

sdk::Snapshot VirtualBoxDriver::toSnapshot(const Medium &m) {
  sdk::Snapshot s;
  s.id = m.id;
  s.name = m.entry.name;
  s.volumeId = m.entry.volumeId;
  s.status = "completed";
  s.sizeGiB = m.logicalSize / kGiB;
  return s;
}

void VirtualBoxDriver::closeQuietly(const std::string &medium) {
  try {
    _client->call("IMedium_close", medium, Deadline::in(kCleanupMs));
  } catch (const std::exception &e) {
    log(RXR_LOG_DEBUG, std::string("closing a half-made medium: ") + e.what());
  }
}

std::string VirtualBoxDriver::createStorage(const std::string &location, const std::string &format,
                                            int64_t sizeBytes, Deadline d,
                                            const std::string &what) {
  const std::string medium = _client->getString("IVirtualBox_createMedium", _client->vbox(d), d,
                                                {{"format", format},
                                                 {"location", location},
                                                 {"accessMode", "ReadWrite"},
                                                 {"aDeviceTypeType", "HardDisk"}});
  try {
    const std::string progress =
        _client->getString("IMedium_createBaseStorage", medium, d,
                           {{"logicalSize", std::to_string(sizeBytes)}, {"variant", "Standard"}});
    _client->waitForProgress(progress, d, what);
  } catch (const SessionExpired &) {
    throw;
  } catch (...) {
    closeQuietly(medium);
    throw;
  }
  return medium;
}

std::string VirtualBoxDriver::cloneStorage(const Medium &source, const std::string &location,
                                           const std::string &format, Deadline d,
                                           const std::string &what) {
  const std::string target = _client->getString("IVirtualBox_createMedium", _client->vbox(d), d,
                                                {{"format", format},
                                                 {"location", location},
                                                 {"accessMode", "ReadWrite"},
                                                 {"aDeviceTypeType", "HardDisk"}});
  try {
    const std::string progress =
        _client->getString("IMedium_cloneTo", source.ref, d,
                           {{"target", target}, {"variant", "Standard"}, {"parent", ""}});
    _client->waitForProgress(progress, d, what);
  } catch (const SessionExpired &) {
    throw;
  } catch (...) {
    closeQuietly(target);
    throw;
  }
  return target;
}

void VirtualBoxDriver::deleteStorage(const Medium &m, Deadline d, const std::string &what) {
  const std::string progress = _client->getString("IMedium_deleteStorage", m.ref, d);
  _client->waitForProgress(progress, d, what);
}

std::vector<sdk::Volume> VirtualBoxDriver::volumes(const sdk::Call &call) {
  return run(call, "listing volumes", [&](Deadline d) {
    std::vector<sdk::Volume> out;
    for (auto &m : scan(d, MediumLayout::Kind::Volume)) {
      try {
        describe(m, d);
      } catch (const VboxFault &fault) {
        log(RXR_LOG_DEBUG, std::string("skipping ") + m.location + ": " + fault.what());
        continue;
      }
      out.push_back(toVolume(m, d));
    }
    return out;
  });
}

sdk::Volume VirtualBoxDriver::volume(const sdk::Call &call, const std::string &id) {
  return run(call, "inspecting volume " + quoted(id), [&](Deadline d) {
    Medium m = require(id, MediumLayout::Kind::Volume, d);
    return toVolume(m, d);
  });
}

sdk::Volume VirtualBoxDriver::createVolume(const sdk::Call &call, const sdk::CreateOptions &opts) {
  try {
    MediumLayout::validateName(opts.name, "volume name");
  } catch (const std::invalid_argument &e) {
    throw Error(RXR_E_INVALID, e.what());
  }
  std::string format = _cfg.mediumFormat;
  const std::string type = lower(opts.type);
  if (type == "vmdk" || type == "vdi")
    format = type;
  else if (!type.empty() && type != "harddisk")
    throw Error(RXR_E_INVALID, "volume type " + quoted(opts.type) + " is not vmdk or vdi");
  if (!opts.fromSnapshotId.empty() && !opts.fromVolumeId.empty())
    throw Error(RXR_E_INVALID, "create from a snapshot or from a volume, not both");
  const bool fromSource = !opts.fromSnapshotId.empty() || !opts.fromVolumeId.empty();
  if (!fromSource && opts.sizeGiB < 1)
    throw Error(RXR_E_INVALID, "size must be at least 1 GiB, got " + std::to_string(opts.sizeGiB));
  if (opts.sizeGiB < 0 || opts.sizeGiB > (INT64_MAX / kGiB))
    throw Error(RXR_E_INVALID, "size " + std::to_string(opts.sizeGiB) + " GiB is out of range");

  const std::string what = "creating volume " + quoted(opts.name);
  return run(call, what, [&](Deadline d) {
    for (auto &m : scan(d, MediumLayout::Kind::Volume)) {
      if (m.entry.name != opts.name) continue;
      describe(m, d);
      throw Error(RXR_E_EXISTS, "volume " + quoted(opts.name) + " already exists (" + m.id +
                                    " at " + m.location + ")");
    }
    const std::string location = _layout.volumeLocation(opts.name, format);
    Medium created;
    if (fromSource) {
      const Medium source = !opts.fromSnapshotId.empty()
                                ? require(opts.fromSnapshotId, MediumLayout::Kind::Snapshot, d)
                                : require(opts.fromVolumeId, MediumLayout::Kind::Volume, d);
      created.ref = cloneStorage(source, location, format, d, what);
      const int64_t wanted = opts.sizeGiB * kGiB;
      if (wanted > source.logicalSize) {
        const std::string progress = _client->getString("IMedium_resize", created.ref, d,
                                                        {{"logicalSize", std::to_string(wanted)}});
        _client->waitForProgress(progress, d,
                                 what + ": growing it to " + std::to_string(opts.sizeGiB) + " GiB");
      }
    } else {
      created.ref = createStorage(location, format, opts.sizeGiB * kGiB, d, what);
    }
    created.location = _client->getString("IMedium_getLocation", created.ref, d);
    auto entry = _layout.classify(created.location);
    if (!entry)
      throw Error(RXR_E_BACKEND, "VirtualBox put volume " + quoted(opts.name) + " at " +
                                     created.location + ", outside volumePath " +
                                     _layout.volumePath());
    created.entry = std::move(*entry);
    describe(created, d);
    sdk::Volume v = toVolume(created, d);
    v.iops = opts.iops; // echoed, as REX-Ray did; VirtualBox has no such setting
    log(RXR_LOG_INFO,
        "created volume " + quoted(v.name) + " (" + v.id + ") at " + created.location);
    return v;
  });
}

void VirtualBoxDriver::removeVolume(const sdk::Call &call, const std::string &id, bool force) {
  const std::string what = "removing volume " + quoted(id);
  run(call, what, [&](Deadline d) {
    Medium m = require(id, MediumLayout::Kind::Volume, d);
    if (force && !m.machineIds.empty()) {
      for (const auto &machine : m.machineIds) detachFrom(machine, m, d);
      describe(m, d);
    }
    try {
      deleteStorage(m, d, what);
    } catch (const VboxFault &fault) {
      if (!fault.is(hresult::kObjectInUse)) throw;
      throw Error(RXR_E_BUSY,
                  "volume " + quoted(m.entry.name) + " (" + m.id + ") is in use" +
                      (m.machineIds.empty() ? std::string()
                                            : ": attached to machine " + attachedList(m, d)) +
                      "; detach it first or remove it with force: " + fault.method() + ": " +
                      fault.detail(),
                  fault.fault().resultCode);
    }
    log(RXR_LOG_INFO, "removed volume " + quoted(m.entry.name) + " (" + m.id + ")");
  });
}

// ---------------------------------------------------------------------------
// attachments

std::string VirtualBoxDriver::attachedList(const Medium &m, Deadline d) {
  std::vector<std::string> labels;
  for (const auto &machine : m.machineIds) labels.push_back(machineLabel(machine, d));
  return join(labels, ", ");
}

void VirtualBoxDriver::attachHere(const Medium &m, Deadline d) {
  const std::string label = machineLabel(selfId(d), d);
  const std::string &controllerName = _cfg.controllerName;
  MachineLock lock(*_client, selfRef(d), label, lockDeadline(d));
  const std::string &sm = lock.mutableMachine();

  std::string controller;
  std::vector<std::string> names;
  for (const auto &c : _client->getStrings("IMachine_getStorageControllers", sm, d)) {
    std::string name = _client->getString("IStorageController_getName", c, d);
    if (name == controllerName) {
      controller = c;
      break;
    }
    names.push_back(std::move(name));
  }
  if (controller.empty())
    throw Error(RXR_E_INVALID, "machine " + label + " has no storage controller named " +
                                   quoted(controllerName) +
                                   " (it has: " + (names.empty() ? "none" : join(names, ", ")) +
                                   "); set virtualbox.controllerName");

  std::set<int32_t> used;
  for (const auto &a : _client->getAttachments("IMachine_getMediumAttachmentsOfController", sm, d,
                                               {{"name", controllerName}})) {
    if (a.medium == m.ref) return; // attached meanwhile: nothing to do
    used.insert(a.port);
  }
  const auto portCount =
      static_cast<int32_t>(_client->getInt("IStorageController_getPortCount", controller, d));
  const auto maxPorts =
      static_cast<int32_t>(_client->getInt("IStorageController_getMaxPortCount", controller, d));
  const PortChoice choice = choosePort(portCount, maxPorts, used);
  if (choice.port < 0)
    throw Error(RXR_E_BUSY, "all " + std::to_string(std::max(portCount, maxPorts)) +
                                " ports of storage controller " + quoted(controllerName) +
                                " on machine " + label + " are in use (" +
                                std::to_string(maxPorts) + " is its maximum)");
  if (choice.newPortCount > 0) {
    log(RXR_LOG_INFO, "every port of " + quoted(controllerName) + " on machine " + label +
                          " is in use; raising its port count from " + std::to_string(portCount) +
                          " to " + std::to_string(choice.newPortCount));
    try {
      _client->call("IStorageController_setPortCount", controller, d,
                    {{"portCount", std::to_string(choice.newPortCount)}});
    } catch (const VboxFault &fault) {
      if (fault.isInvalidObject()) throw;
      throw Error(RXR_E_BUSY,
                  "all " + std::to_string(portCount) + " ports of storage controller " +
                      quoted(controllerName) + " on machine " + label +
                      " are in use and raising its port count to " +
                      std::to_string(choice.newPortCount) +
                      " failed (VirtualBox may allow that only while the machine is powered off; "
                      "set it beforehand with VBoxManage storagectl --portcount, up to " +
                      std::to_string(maxPorts) + "): " + fault.method() + ": " + fault.detail(),
                  fault.fault().resultCode);
    }
  }
  _client->call("IMachine_attachDevice", sm, d,
                {{"name", controllerName},
                 {"controllerPort", std::to_string(choice.port)},
                 {"device", "0"},
                 {"type", "HardDisk"},
                 {"medium", m.ref}});
  lock.saveSettings(d);
  log(RXR_LOG_INFO, "attached volume " + quoted(m.entry.name) + " (" + m.id + ") to machine " +
                        label + " on " + controllerName + " port " + std::to_string(choice.port));
}

void VirtualBoxDriver::detachFrom(const std::string &machineUuid, const Medium &m, Deadline d) {
  std::string machine;
  try {
    machine = _client->getString("IVirtualBox_findMachine", _client->vbox(d), d,
                                 {{"nameOrId", machineUuid}});
  } catch (const VboxFault &fault) {
    if (!fault.is(hresult::kObjectNotFound)) throw;
    log(RXR_LOG_WARN, "volume " + m.id + " lists machine " + machineUuid +
                          ", which is not registered: " + fault.detail());
    return;
  }
  const std::string label = machineLabel(machineUuid, d);
  MachineLock lock(*_client, machine, label, lockDeadline(d));
  const std::string &sm = lock.mutableMachine();
  int detached = 0;
  for (const auto &a : _client->getAttachments("IMachine_getMediumAttachments", sm, d)) {
    if (a.medium.empty()) continue; // an empty drive
    if (a.medium != m.ref && lower(_client->getString("IMedium_getId", a.medium, d)) != m.id)
      continue;
    _client->call("IMachine_detachDevice", sm, d,
                  {{"name", a.controller},
                   {"controllerPort", std::to_string(a.port)},
                   {"device", std::to_string(a.device)}});
    ++detached;
    log(RXR_LOG_INFO, "detached volume " + quoted(m.entry.name) + " (" + m.id + ") from machine " +
                          label + " (" + a.controller + " port " + std::to_string(a.port) + ")");
  }
  if (detached > 0)
    lock.saveSettings(d);
  else
    log(RXR_LOG_WARN,
        "machine " + label + " holds volume " + m.id + " but has no attachment of it");
}

std::string VirtualBoxDriver::attachVolume(const sdk::Call &call, const sdk::AttachOptions &opts) {
  return run(call, "attaching volume " + quoted(opts.volumeId), [&](Deadline d) {
    const std::string me = selfId(d);
    // Another machine (ABI 1.3 instance_id): attaching is this VM's only.
    if (!opts.instanceId.empty() && opts.instanceId != me)
      throw Error(RXR_E_NOT_FOUND, "machine " + opts.instanceId + " is not this one (" + me +
                                       "): virtualbox attaches volumes to its own machine only");
    Medium m = require(opts.volumeId, MediumLayout::Kind::Volume, d);
    if (contains(m.machineIds, me)) return m.id;
    std::vector<std::string> others;
    for (const auto &id : m.machineIds)
      if (id != me) others.push_back(id);
    if (!others.empty()) {
      if (!opts.force)
        throw Error(RXR_E_BUSY, "volume " + quoted(m.entry.name) + " (" + m.id +
                                    ") is attached to machine " + attachedList(m, d) +
                                    "; attach with force to take it over");
      for (const auto &other : others) {
        log(RXR_LOG_INFO, "preempting volume " + quoted(m.entry.name) + " from machine " +
                              machineLabel(other, d));
        detachFrom(other, m, d);
      }
    }
    attachHere(m, d);
    return m.id;
  });
}

void VirtualBoxDriver::detachVolume(const sdk::Call &call, const std::string &id, bool) {
  run(call, "detaching volume " + quoted(id), [&](Deadline d) {
    Medium m = require(id, MediumLayout::Kind::Volume, d);
    for (const auto &machine : m.machineIds) detachFrom(machine, m, d);
  });
}

std::string VirtualBoxDriver::waitForDevice(const sdk::Call &call, const std::string &volumeId,
                                            const std::string &token) {
  std::string uuid;
  if (MediumLayout::isUuid(volumeId))
    uuid = lower(volumeId);
  else if (MediumLayout::isUuid(token))
    uuid = lower(token);
  else
    throw Error(RXR_E_INVALID, "neither volume id " + quoted(volumeId) + " nor token " +
                                   quoted(token) + " is a medium UUID");
  const Deadline d = Deadline::of(call, kDefaultDeviceWaitMs);
  const int64_t started = Deadline::nowMs();
  const std::string device = _disks.waitFor(uuid, d);
  if (device.empty())
    throw Error(RXR_E_TIMEOUT, "the disk of volume " + uuid + " did not show up as " +
                                   _disks.directory() + "/" + DiskLocator::byIdNameFor(uuid) +
                                   " within " +
                                   std::to_string((Deadline::nowMs() - started + 500) / 1000) +
                                   " s (virtualbox.diskIDPath)");
  return device;
}

// ---------------------------------------------------------------------------
// snapshots: full clones of a volume's medium next to it in volumePath

std::vector<sdk::Snapshot> VirtualBoxDriver::snapshots(const sdk::Call &call,
                                                       const std::string &volumeId) {
  const std::string filter = lower(volumeId);
  return run(call, "listing snapshots", [&](Deadline d) {
    std::vector<sdk::Snapshot> out;
    for (auto &m : scan(d, MediumLayout::Kind::Snapshot)) {
      if (!filter.empty() && m.entry.volumeId != filter) continue;
      try {
        describe(m, d);
      } catch (const VboxFault &fault) {
        continue;
      }
      sdk::Snapshot s = toSnapshot(m);
      try {
        s.description = _client->getString("IMedium_getDescription", m.ref, d);
      } catch (const VboxFault &fault) {
        if (fault.isInvalidObject()) throw;
      }
      out.push_back(std::move(s));
    }
    return out;
  });
}

sdk::Snapshot VirtualBoxDriver::createSnapshot(const sdk::Call &call, const std::string &volumeId,
                                               const std::string &name,
                                               const std::string &description) {
  try {
    MediumLayout::validateName(name, "snapshot name");
  } catch (const std::invalid_argument &e) {
    throw Error(RXR_E_INVALID, e.what());
  }
  const std::string what = "snapshotting volume " + quoted(volumeId) + " as " + quoted(name);
  return run(call, what, [&](Deadline d) {
    const Medium volume = require(volumeId, MediumLayout::Kind::Volume, d);
    for (const auto &s : scan(d, MediumLayout::Kind::Snapshot))
      if (s.entry.volumeId == volume.id && s.entry.name == name)
        throw Error(RXR_E_EXISTS, "volume " + quoted(volume.entry.name) +
                                      " already has a snapshot named " + quoted(name));
    const std::string format = formatOf(volume);
    const std::string location = _layout.snapshotLocation(name, volume.id, format);
    Medium snap;
    snap.ref = cloneStorage(volume, location, format, d, what);
    if (!description.empty()) {
      try {
        _client->call("IMedium_setDescription", snap.ref, d, {{"description", description}});
      } catch (const VboxFault &fault) {
        if (fault.isInvalidObject()) throw;
        log(RXR_LOG_WARN,
            std::string("the snapshot's description was not kept: ") + fault.detail());
      }
    }
    snap.location = location;
    snap.entry = *_layout.classify(location);
    describe(snap, d);
    sdk::Snapshot s = toSnapshot(snap);
    s.description = description;
    log(RXR_LOG_INFO, "snapshot " + quoted(name) + " (" + s.id + ") of volume " +
                          quoted(volume.entry.name) + " at " + location);
    return s;
  });
}

void VirtualBoxDriver::removeSnapshot(const sdk::Call &call, const std::string &id) {
  const std::string what = "removing snapshot " + quoted(id);
  run(call, what, [&](Deadline d) {
    const Medium snap = require(id, MediumLayout::Kind::Snapshot, d);
    if (!snap.machineIds.empty())
      throw Error(RXR_E_BUSY, "snapshot " + quoted(snap.entry.name) + " is attached to machine " +
                                  attachedList(snap, d));
    deleteStorage(snap, d, what);
  });
}

sdk::Snapshot VirtualBoxDriver::copySnapshot(const sdk::Call &call, const std::string &id,
                                             const std::string &destName,
                                             const std::string &destRegion) {
  if (!destRegion.empty())
    throw Error(RXR_E_INVALID, "snapshots have no regions; cannot copy to " + quoted(destRegion));
  const std::string what = "copying snapshot " + quoted(id);
  return run(call, what, [&](Deadline d) {
    const Medium source = require(id, MediumLayout::Kind::Snapshot, d);
    const std::string name = destName.empty() ? source.entry.name : destName;
    MediumLayout::validateName(name, "snapshot name");
    for (const auto &s : scan(d, MediumLayout::Kind::Snapshot))
      if (s.entry.volumeId == source.entry.volumeId && s.entry.name == name)
        throw Error(RXR_E_EXISTS, "a snapshot named " + quoted(name) + " of volume " +
                                      source.entry.volumeId + " already exists");
    const std::string format = formatOf(source);
    const std::string location = _layout.snapshotLocation(name, source.entry.volumeId, format);
    Medium copy;
    copy.ref = cloneStorage(source, location, format, d, what);
    copy.location = location;
    copy.entry = *_layout.classify(location);
    describe(copy, d);
    return toSnapshot(copy);
  });
}

} // namespace rexray::virtualbox
