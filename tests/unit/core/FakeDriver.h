#pragma once

#include "FakeOsLayer.h"

#include "plugin/DriverHandle.h"
#include "plugin/PluginLoader.h"
#include "state/StateStore.h"
#include "volume/ServiceSettings.h"
#include "volume/VolumeService.h"

#include <doctest/doctest.h>
#include <rexray/sdk/driver.hpp>

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// Failure messages read "busy" rather than "6".
template <> struct doctest::StringMaker<rexray::ErrorKind> {
  static doctest::String convert(rexray::ErrorKind kind) { return rexray::errorKindName(kind); }
};

// Defined once, in VolumeServiceTest.cpp, with RXR_DEFINE_DRIVER_ENTRY.
extern "C" const rxr_plugin_entry rxr_test_entry_fake;
// The same fake declaring RXR_FEATURE_UNIQUE_NAMES (FakeDriverEntry.cpp).
extern "C" const rxr_plugin_entry rxr_test_entry_unique;
// The fake with ABI 1.3's instance_info and capacity (FakeZonedDriver).
extern "C" const rxr_plugin_entry rxr_test_entry_zoned;

namespace rexray::testing {

// The fake backend. Process-global because the host creates driver
// instances itself through the C ABI, and a test needs to see and steer
// what they do; every instance shares it, so a "restarted" service finds
// the volumes of the previous one, as with a real backend.
class FakeBackend {
public:
  static FakeBackend &get() {
    static FakeBackend backend;
    return backend;
  }

  void reset() {
    std::lock_guard<std::mutex> g(_m);
    _volumes.clear();
    _snapshots.clear();
    _calls.clear();
    _faults.clear();
    _attaches.clear();
    _detaches.clear();
    _creates.clear();
    _removes.clear();
    _nextVolume = 1;
    _nextDevice = 0;
    _instanceId = "this-host";
    _listDelay = std::chrono::milliseconds(0);
    _deadlines.clear();
    _stallDevice = false;
    _onAttach = nullptr;
    _zone = "zone-a";
    _maxAttachments = 0;
    _capacityBytes = int64_t(100) << 30;
    _otherInstances = {"other-host"};
  }
  // What the zoned fake's instance_info and capacity report.
  void setZone(const std::string &zone) {
    std::lock_guard<std::mutex> g(_m);
    _zone = zone;
  }
  void setMaxAttachments(int64_t max) {
    std::lock_guard<std::mutex> g(_m);
    _maxAttachments = max;
  }
  void setCapacity(int64_t bytes) {
    std::lock_guard<std::mutex> g(_m);
    _capacityBytes = bytes;
  }
  sdk::InstanceInfo instanceInfo() {
    auto g = enter("instance_info");
    return {_zone, _maxAttachments};
  }
  // Capacity of the fake's one zone; another zone is not served.
  int64_t capacity(const std::string &zone) {
    auto g = enter("capacity");
    if (!zone.empty() && zone != _zone)
      throw sdk::Error(RXR_E_NOT_FOUND, "no zone '" + zone + "' here");
    return _capacityBytes;
  }
  // Runs inside every volume_attach, before the backend changes anything:
  // what the caller had done by then (the record it wrote) is what a crash
  // at that moment would leave.
  void onAttach(std::function<void()> hook) {
    std::lock_guard<std::mutex> g(_m);
    _onAttach = std::move(hook);
  }
  // Someone else detached the volume (losetup -d, the cloud console): no
  // call of ours is counted.
  void detachBehindOurBack(const std::string &id) {
    std::lock_guard<std::mutex> g(_m);
    sdk::Volume &v = find(id);
    v.attachedInstanceId.clear();
    v.attachedDevice.clear();
    v.status = "available";
  }
  // A backend that stalls: wait_for_device never sees the device and gives
  // up at the call's deadline, as a driver must.
  void stallDevice(bool stall) {
    std::lock_guard<std::mutex> g(_m);
    _stallDevice = stall;
  }
  // The deadline (CLOCK_MONOTONIC ms) each call of `op` carried, in order.
  std::vector<int64_t> deadlines(const std::string &op) {
    std::lock_guard<std::mutex> g(_m);
    auto it = _deadlines.find(op);
    return it == _deadlines.end() ? std::vector<int64_t>{} : it->second;
  }
  void noteDeadline(const std::string &op, const sdk::Call &call) {
    std::lock_guard<std::mutex> g(_m);
    _deadlines[op].push_back(call.deadlineMonoMs());
  }
  // A slow backend: volumes_list takes this long (outside the lock).
  void setListDelay(std::chrono::milliseconds delay) {
    std::lock_guard<std::mutex> g(_m);
    _listDelay = delay;
  }

  void addVolume(const std::string &id, const std::string &name, int64_t sizeGiB = 1,
                 const std::string &attachedTo = "", const std::string &device = "") {
    std::lock_guard<std::mutex> g(_m);
    sdk::Volume v;
    v.id = id;
    v.name = name;
    v.sizeGiB = sizeGiB;
    v.status = attachedTo.empty() ? "available" : "in-use";
    v.attachedInstanceId = attachedTo;
    v.attachedDevice = device;
    _volumes[id] = v;
  }
  void addSnapshot(const std::string &id, const std::string &name, const std::string &volumeId,
                   int64_t sizeGiB = 1) {
    std::lock_guard<std::mutex> g(_m);
    sdk::Snapshot s;
    s.id = id;
    s.name = name;
    s.volumeId = volumeId;
    s.sizeGiB = sizeGiB;
    _snapshots.push_back(s);
  }
  std::optional<sdk::Volume> volume(const std::string &id) {
    std::lock_guard<std::mutex> g(_m);
    auto it = _volumes.find(id);
    if (it == _volumes.end()) return std::nullopt;
    return it->second;
  }
  std::optional<sdk::Volume> volumeNamed(const std::string &name) {
    std::lock_guard<std::mutex> g(_m);
    for (const auto &kv : _volumes)
      if (kv.second.name == name) return kv.second;
    return std::nullopt;
  }
  size_t volumeCount() {
    std::lock_guard<std::mutex> g(_m);
    return _volumes.size();
  }

  // Calls per ABI op name ("volume_attach", "volumes_list", ...), failed
  // ones included.
  int calls(const std::string &op) {
    std::lock_guard<std::mutex> g(_m);
    auto it = _calls.find(op);
    return it == _calls.end() ? 0 : it->second;
  }
  int totalCalls() {
    std::lock_guard<std::mutex> g(_m);
    int n = 0;
    for (const auto &kv : _calls) n += kv.second;
    return n;
  }
  // The next call of `op` fails with `status`.
  void failNext(const std::string &op, rxr_status status, const std::string &message) {
    std::lock_guard<std::mutex> g(_m);
    _faults[op] = {status, message};
  }
  std::vector<sdk::AttachOptions> attaches() {
    std::lock_guard<std::mutex> g(_m);
    return _attaches;
  }
  std::vector<std::pair<std::string, bool>> detaches() {
    std::lock_guard<std::mutex> g(_m);
    return _detaches;
  }
  std::vector<sdk::CreateOptions> creates() {
    std::lock_guard<std::mutex> g(_m);
    return _creates;
  }
  std::vector<std::pair<std::string, bool>> removes() {
    std::lock_guard<std::mutex> g(_m);
    return _removes;
  }

  // ---- the driver side ----
  std::string instanceId() {
    auto g = enter("instance_id");
    return _instanceId;
  }
  std::vector<sdk::Volume> volumes() {
    std::chrono::milliseconds delay;
    {
      std::lock_guard<std::mutex> g(_m);
      delay = _listDelay;
    }
    std::this_thread::sleep_for(delay);
    auto g = enter("volumes_list");
    std::vector<sdk::Volume> out;
    for (const auto &kv : _volumes) out.push_back(kv.second);
    return out;
  }
  sdk::Volume volumeGet(const std::string &id) {
    auto g = enter("volume_get");
    return find(id);
  }
  sdk::Volume create(const sdk::CreateOptions &o) {
    auto g = enter("volume_create");
    _creates.push_back(o);
    for (const auto &kv : _volumes)
      if (kv.second.name == o.name) throw sdk::Error(RXR_E_EXISTS, "name taken: " + o.name);
    sdk::Volume v;
    v.id = "vol-" + std::to_string(_nextVolume++);
    v.name = o.name;
    v.type = o.type;
    v.availabilityZone = o.availabilityZone;
    v.iops = o.iops;
    v.encrypted = o.encrypted;
    v.status = "available";
    v.sizeGiB = o.sizeGiB;
    if (v.sizeGiB == 0 && !o.fromVolumeId.empty()) v.sizeGiB = find(o.fromVolumeId).sizeGiB;
    for (const auto &s : _snapshots)
      if (v.sizeGiB == 0 && s.id == o.fromSnapshotId) v.sizeGiB = s.sizeGiB;
    _volumes[v.id] = v;
    return v;
  }
  void remove(const std::string &id, bool force) {
    auto g = enter("volume_remove");
    _removes.emplace_back(id, force);
    sdk::Volume &v = find(id);
    if (!v.attachedInstanceId.empty() && !force)
      throw sdk::Error(RXR_E_BUSY, "volume " + id + " is attached to " + v.attachedInstanceId);
    _volumes.erase(id);
  }
  std::string attach(const sdk::AttachOptions &o) {
    auto g = enter("volume_attach");
    if (_onAttach) _onAttach();
    _attaches.push_back(o);
    sdk::Volume &v = find(o.volumeId);
    const std::string target = o.instanceId.empty() ? _instanceId : o.instanceId;
    if (target != _instanceId && !_otherInstances.count(target))
      throw sdk::Error(RXR_E_NOT_FOUND, "no instance '" + target + "'");
    if (v.attachedInstanceId == target) return v.attachedDevice;
    if (!v.attachedInstanceId.empty() && !o.force)
      throw sdk::Error(RXR_E_BUSY, "volume " + v.id + " is attached to " + v.attachedInstanceId);
    v.attachedInstanceId = target;
    v.attachedDevice = "/dev/fake" + std::to_string(_nextDevice++);
    v.status = "in-use";
    return v.attachedDevice;
  }
  void detach(const std::string &id, bool force) {
    auto g = enter("volume_detach");
    _detaches.emplace_back(id, force);
    sdk::Volume &v = find(id);
    v.attachedInstanceId.clear();
    v.attachedDevice.clear();
    v.status = "available";
  }
  std::string waitForDevice(const std::string &volumeId, const std::string &token,
                            const sdk::Call &call) {
    {
      auto g = enter("wait_for_device");
      // A token of a device the volume is no longer attached at never
      // shows it again, as with a real device.
      if (!_stallDevice && find(volumeId).attachedDevice == token) return token;
    }
    std::this_thread::sleep_until(call.deadline());
    throw sdk::Error(RXR_E_TIMEOUT, "device for " + volumeId + " did not appear");
  }
  std::vector<sdk::Snapshot> snapshots(const std::string &volumeId) {
    auto g = enter("snapshots_list");
    std::vector<sdk::Snapshot> out;
    for (const auto &s : _snapshots)
      if (volumeId.empty() || s.volumeId == volumeId) out.push_back(s);
    return out;
  }

private:
  FakeBackend() = default;

  // Counts the call and fires an injected fault; the lock stays held for
  // the rest of the op.
  std::unique_lock<std::mutex> enter(const std::string &op) {
    std::unique_lock<std::mutex> g(_m);
    ++_calls[op];
    auto it = _faults.find(op);
    if (it != _faults.end()) {
      auto fault = it->second;
      _faults.erase(it);
      throw sdk::Error(fault.first, fault.second);
    }
    return g;
  }
  sdk::Volume &find(const std::string &id) {
    auto it = _volumes.find(id);
    if (it == _volumes.end()) throw sdk::Error(RXR_E_NOT_FOUND, "no volume with ID '" + id + "'");
    return it->second;
  }

  std::mutex _m;
  std::map<std::string, sdk::Volume> _volumes; // by ID
  std::vector<sdk::Snapshot> _snapshots;
  std::map<std::string, int> _calls;
  std::map<std::string, std::pair<rxr_status, std::string>> _faults;
  std::chrono::milliseconds _listDelay{0};
  std::map<std::string, std::vector<int64_t>> _deadlines;
  bool _stallDevice = false;
  std::function<void()> _onAttach;
  std::vector<sdk::AttachOptions> _attaches;
  std::vector<std::pair<std::string, bool>> _detaches, _removes;
  std::vector<sdk::CreateOptions> _creates;
  int _nextVolume = 1;
  int _nextDevice = 0;
  std::string _instanceId = "this-host";
  std::string _zone = "zone-a";
  int64_t _maxAttachments = 0;
  int64_t _capacityBytes = int64_t(100) << 30;
  std::set<std::string> _otherInstances = {"other-host"};
};

// next_device stays unimplemented on purpose: the pipeline must treat it as
// optional.
class FakeDriver : public sdk::Driver {
public:
  FakeDriver(const sdk::Host &host, std::string service) : Driver(host, std::move(service)) {}

  std::string instanceId(const sdk::Call &) override { return be().instanceId(); }
  std::vector<sdk::Volume> volumes(const sdk::Call &call) override {
    be().noteDeadline("volumes_list", call);
    return be().volumes();
  }
  sdk::Volume volume(const sdk::Call &call, const std::string &id) override {
    be().noteDeadline("volume_get", call);
    return be().volumeGet(id);
  }
  sdk::Volume createVolume(const sdk::Call &, const sdk::CreateOptions &o) override {
    return be().create(o);
  }
  void removeVolume(const sdk::Call &, const std::string &id, bool force) override {
    be().remove(id, force);
  }
  std::string attachVolume(const sdk::Call &call, const sdk::AttachOptions &o) override {
    be().noteDeadline("volume_attach", call);
    return be().attach(o);
  }
  void detachVolume(const sdk::Call &call, const std::string &id, bool force) override {
    be().noteDeadline("volume_detach", call);
    be().detach(id, force);
  }
  std::string waitForDevice(const sdk::Call &call, const std::string &volumeId,
                            const std::string &token) override {
    be().noteDeadline("wait_for_device", call);
    return be().waitForDevice(volumeId, token, call);
  }
  std::vector<sdk::Snapshot> snapshots(const sdk::Call &, const std::string &volumeId) override {
    return be().snapshots(volumeId);
  }

protected:
  static FakeBackend &be() { return FakeBackend::get(); }
};

// The fake with zones, an attach limit and free capacity (ABI 1.3).
class FakeZonedDriver : public FakeDriver {
public:
  using FakeDriver::FakeDriver;
  sdk::InstanceInfo instanceInfo(const sdk::Call &) override { return be().instanceInfo(); }
  int64_t capacityBytes(const sdk::Call &, const std::string &zone) override {
    return be().capacity(zone);
  }
};

// A DriverHandle over the fake, going through the loader and the C ABI like
// a real plugin.
inline std::unique_ptr<DriverHandle> makeFakeHandle(const std::string &service = "fake",
                                                    const rxr_plugin_entry *entry = nullptr) {
  PluginLoader loader(nullptr);
  if (!entry) entry = &rxr_test_entry_fake;
  loader.addBuiltin(entry);
  const PluginInfo *info = loader.find(entry->name);
  if (!info) throw std::runtime_error("the fake driver did not load");
  return std::make_unique<DriverHandle>(
      *info, service, [](const std::string &) -> std::optional<std::string> { return {}; });
}

// What `fn` threw, when it threw a rexray::Error.
struct Caught {
  bool thrown = false;
  ErrorKind kind = ErrorKind::Internal;
  std::string message;
};
template <typename Fn> Caught caught(Fn &&fn) {
  try {
    fn();
  } catch (const Error &e) {
    return {true, e.kind(), e.what()};
  }
  return {};
}

// mkdtemp directory removed on scope exit, also when a test fails.
class TempDir {
public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "rexray-core-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    _dir = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(_dir, ec);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::string &dir() const { return _dir; }
  std::string path(const std::string &name) const { return _dir + "/" + name; }

private:
  std::string _dir;
};

// A request deadline far enough away for any unit test.
inline Deadline testDeadline() {
  return Deadline::in(std::chrono::seconds(30));
}

// A VolumeService named "fake" over the fake driver, a real StateStore in a
// temp dir and a FakeOsLayer. Volumes mount under /x, which the fake OS
// layer never touches.
class FakeServiceRig {
public:
  TempDir tmp;
  FakeOsLayer os;
  ServiceSettings settings;
  std::unique_ptr<StateStore> state;

  FakeServiceRig() {
    FakeBackend::get().reset();
    settings.mountPath = "/x";
    state = std::make_unique<StateStore>(tmp.path("rexray.db"));
  }
  ~FakeServiceRig() {
    _service.reset(); // it holds references to the store
  }

  FakeBackend &backend() { return FakeBackend::get(); }

  // Built on first use, so a test can change `settings` (or `entry`) first.
  VolumeService &service() {
    if (!_service)
      _service = std::make_unique<VolumeService>("fake", makeFakeHandle("fake", entry), settings,
                                                 *state, os);
    return *_service;
  }
  // The fake's entry; nullptr = rxr_test_entry_fake.
  const rxr_plugin_entry *entry = nullptr;

  // A daemon restart: a new service and a reopened store over the same
  // file; the backend and the OS (mount table) carry on.
  VolumeService &restart() {
    _service.reset();
    state.reset();
    state = std::make_unique<StateStore>(tmp.path("rexray.db"));
    return service();
  }

private:
  std::unique_ptr<VolumeService> _service;
};

} // namespace rexray::testing
