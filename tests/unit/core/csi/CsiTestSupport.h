// A CSI front end served over a real unix socket, and a gRPC client made
// from the same csi.proto, for the CSI tests. Two rigs: the vfs driver on
// real loop devices, mkfs and mounts, and the fake in-memory driver.
#pragma once

#include "core/FakeDriver.h"
#include "core/FakeOsLayer.h"

#include "csi/CsiServer.h"
#include "daemon/ServiceDirectory.h"
#include "os/OsLayer.h"
#include "plugin/PluginLoader.h"
#include "state/StateStore.h"
#include "util/Error.h"
#include "volume/VolumeService.h"

#include "csi.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

extern "C" const rxr_plugin_entry rxr_static_entry_vfs;

namespace rexray::testing {

constexpr int kRepeats = 10; // csi-sanity's IdempotentCount
constexpr int64_t kGiB = int64_t(1) << 30;

// Makes one call with a fresh client context (30 s deadline): call(stub,
// &Stub::Method, request, &reply).
template <typename Stub, typename Method, typename Request, typename Reply>
grpc::Status call(Stub &stub, Method method, const Request &request, Reply *reply) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return (stub.*method)(&context, request, reply);
}

inline std::string describe(const grpc::Status &s) {
  return std::to_string(static_cast<int>(s.error_code())) + " " + s.error_message();
}

#define CHECK_CODE(status, code)                                                                   \
  do {                                                                                             \
    const grpc::Status _s = (status);                                                              \
    CHECK_MESSAGE(_s.error_code() == (code), describe(_s));                                        \
  } while (0)

// The CSI server over one VolumeService, and the client stubs.
class CsiHarness {
public:
  CsiHarness(VolumeService &service, const std::string &socketPath,
             CsiSettings::Mode mode = CsiSettings::Mode::Both, int64_t maxVolumesPerNode = 0)
      : directory({service.name()}) {
    directory.markReady(service.name(), service);
    CsiSettings settings;
    settings.socketPath = socketPath;
    settings.mode = mode;
    settings.maxVolumesPerNode = maxVolumesPerNode;
    settings.defaultTimeout = std::chrono::seconds(30);
    server = std::make_unique<CsiServer>(directory, "", settings);
    auto channel = grpc::CreateChannel("unix:" + socketPath, grpc::InsecureChannelCredentials());
    identity = csi::v1::Identity::NewStub(channel);
    controller = csi::v1::Controller::NewStub(channel);
    node = csi::v1::Node::NewStub(channel);
  }

  ServiceDirectory directory;
  std::unique_ptr<CsiServer> server;
  std::unique_ptr<csi::v1::Identity::Stub> identity;
  std::unique_ptr<csi::v1::Controller::Stub> controller;
  std::unique_ptr<csi::v1::Node::Stub> node;
};

inline csi::v1::VolumeCapability
mountCapability(csi::v1::VolumeCapability::AccessMode::Mode mode =
                    csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER,
                const std::string &fsType = "ext4") {
  csi::v1::VolumeCapability c;
  c.mutable_mount()->set_fs_type(fsType);
  c.mutable_access_mode()->set_mode(mode);
  return c;
}

inline csi::v1::VolumeCapability blockCapability() {
  csi::v1::VolumeCapability c;
  c.mutable_block();
  c.mutable_access_mode()->set_mode(csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  return c;
}

inline csi::v1::CreateVolumeRequest createRequest(const std::string &name, int64_t bytes = kGiB) {
  csi::v1::CreateVolumeRequest r;
  r.set_name(name);
  r.mutable_capacity_range()->set_required_bytes(bytes);
  *r.add_volume_capabilities() = mountCapability();
  return r;
}

// The vfs driver (real sparse images on real loop devices) behind a real
// VolumeService, with real mounts under a private directory. On
// destruction every mount under it is undone, and every loop device backed
// by a file in it detached, whatever the test did.
class VfsCsiRig {
public:
  VfsCsiRig() {
    settings.mountPath = tmp.path("volumes");
    state = std::make_unique<StateStore>(tmp.path("rexray.db"));
    PluginLoader loader(nullptr);
    loader.addBuiltin(&rxr_static_entry_vfs);
    const PluginInfo *info = loader.find("vfs");
    REQUIRE(info);
    DriverInstanceSetup setup;
    setup.stateDir = tmp.path("state");
    auto handle = std::make_unique<DriverHandle>(
        *info, "vfs", [](const std::string &) -> std::optional<std::string> { return {}; }, setup);
    service = std::make_unique<VolumeService>("vfs", std::move(handle), settings, *state, os);
    harness = std::make_unique<CsiHarness>(*service, tmp.path("csi.sock"));
  }
  ~VfsCsiRig() {
    harness.reset();
    cleanUp();
  }

  std::string path(const std::string &name) const { return tmp.path(name); }

  TempDir tmp;
  LinuxOsLayer os;
  ServiceSettings settings;
  std::unique_ptr<StateStore> state;
  std::unique_ptr<VolumeService> service;
  std::unique_ptr<CsiHarness> harness;

private:
  void cleanUp() {
    const std::string prefix = tmp.dir() + "/";
    try {
      std::vector<std::string> targets;
      for (const auto &m : os.mounts())
        if (m.target.compare(0, prefix.size(), prefix) == 0) targets.push_back(m.target);
      // Deepest (and latest) first.
      std::sort(targets.rbegin(), targets.rend());
      for (const auto &t : targets) os.unmount(t);
      const Deadline deadline = Deadline::in(std::chrono::seconds(30));
      for (const auto &v : service->driver().volumes(deadline))
        if (v.attached()) service->driver().detachVolume(v.id, true, deadline);
    } catch (const std::exception &e) {
      MESSAGE("cleanup: " << e.what());
    }
    service.reset();
  }
};

// The fake driver behind a VolumeService with a fake OS layer: for what
// needs many volumes, or a backend call held open.
class FakeCsiRig {
public:
  // `entry` nullptr = the plain fake; &rxr_test_entry_zoned for the one
  // with zones, an attach limit and capacity.
  explicit FakeCsiRig(const rxr_plugin_entry *entry = nullptr, int64_t maxVolumesPerNode = 0)
      : harness(serviceOf(rig, entry), rig.tmp.path("csi.sock"), CsiSettings::Mode::Both,
                maxVolumesPerNode) {}
  FakeServiceRig rig;
  CsiHarness harness;

private:
  static VolumeService &serviceOf(FakeServiceRig &rig, const rxr_plugin_entry *entry) {
    rig.entry = entry;
    return rig.service();
  }
};

} // namespace rexray::testing
