// CSI Node over the vfs driver with real loop devices, mkfs and mounts:
// stage, publish (read-write and read-only, mount and block), stats,
// expansion, unpublish and unstage, each repeated as csi-sanity does, and
// the data written through one publish read back after a full cycle.
#include "core/csi/CsiTestSupport.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <set>

using namespace rexray;
using namespace rexray::testing;
using csi::v1::VolumeCapability;
using grpc::StatusCode;

namespace {

using ControllerStub = csi::v1::Controller::Stub;
using NodeStub = csi::v1::Node::Stub;

struct Volume1 {
  std::string id;
  std::string node;
};

// A volume created and published to this node through the controller.
Volume1 publishedVolume(CsiHarness &h, const std::string &name) {
  csi::v1::CreateVolumeResponse created;
  REQUIRE(call(*h.controller, &ControllerStub::CreateVolume, createRequest(name), &created).ok());
  csi::v1::NodeGetInfoResponse info;
  REQUIRE(call(*h.node, &NodeStub::NodeGetInfo, csi::v1::NodeGetInfoRequest(), &info).ok());
  csi::v1::ControllerPublishVolumeRequest publish;
  publish.set_volume_id(created.volume().volume_id());
  publish.set_node_id(info.node_id());
  *publish.mutable_volume_capability() = mountCapability();
  csi::v1::ControllerPublishVolumeResponse published;
  const auto status =
      call(*h.controller, &ControllerStub::ControllerPublishVolume, publish, &published);
  REQUIRE_MESSAGE(status.ok(), describe(status));
  return {created.volume().volume_id(), info.node_id()};
}

csi::v1::NodeStageVolumeRequest stageRequest(const std::string &id, const std::string &path) {
  csi::v1::NodeStageVolumeRequest r;
  r.set_volume_id(id);
  r.set_staging_target_path(path);
  *r.mutable_volume_capability() = mountCapability();
  return r;
}

csi::v1::NodePublishVolumeRequest publishRequest(const std::string &id, const std::string &staging,
                                                 const std::string &target, bool readOnly) {
  csi::v1::NodePublishVolumeRequest r;
  r.set_volume_id(id);
  r.set_staging_target_path(staging);
  r.set_target_path(target);
  r.set_readonly(readOnly);
  *r.mutable_volume_capability() = mountCapability();
  return r;
}

void writeFile(const std::string &path, const std::string &text) {
  std::ofstream out(path);
  out << text;
  out.close();
  REQUIRE_MESSAGE(out.good(), "cannot write " << path);
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool isMounted(VfsCsiRig &rig, const std::string &path) {
  return rig.os.isMountPoint(path);
}

} // namespace

TEST_CASE("CSI node: info and capabilities") {
  VfsCsiRig rig;
  auto &h = *rig.harness;
  csi::v1::NodeGetInfoResponse info;
  REQUIRE(call(*h.node, &NodeStub::NodeGetInfo, csi::v1::NodeGetInfoRequest(), &info).ok());
  CHECK(info.node_id() == rig.service->instanceId(Deadline::in(std::chrono::seconds(5))));
  csi::v1::NodeGetCapabilitiesResponse caps;
  REQUIRE(
      call(*h.node, &NodeStub::NodeGetCapabilities, csi::v1::NodeGetCapabilitiesRequest(), &caps)
          .ok());
  std::set<int> types;
  for (const auto &c : caps.capabilities()) types.insert(c.rpc().type());
  using RPC = csi::v1::NodeServiceCapability::RPC;
  for (auto t : {RPC::STAGE_UNSTAGE_VOLUME, RPC::GET_VOLUME_STATS, RPC::VOLUME_CONDITION,
                 RPC::EXPAND_VOLUME})
    CHECK_MESSAGE(types.count(t), RPC::Type_Name(t));
}

TEST_CASE(
    "CSI node: stage then publish then write then unpublish and unstage - the data survives") {
  VfsCsiRig rig;
  auto &h = *rig.harness;
  const Volume1 v = publishedVolume(h, "cycle");
  const std::string staging = rig.path("staging");
  const std::string target = rig.path("pods/a/mount");
  const std::string readOnlyTarget = rig.path("pods/b/mount");
  REQUIRE(::mkdir(staging.c_str(), 0750) == 0); // the orchestrator makes it
  REQUIRE(::mkdir(rig.path("pods").c_str(), 0750) == 0);
  REQUIRE(::mkdir(rig.path("pods/a").c_str(), 0750) == 0);
  REQUIRE(::mkdir(rig.path("pods/b").c_str(), 0750) == 0);

  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::NodeStageVolumeResponse reply;
    const auto status =
        call(*h.node, &NodeStub::NodeStageVolume, stageRequest(v.id, staging), &reply);
    REQUIRE_MESSAGE(status.ok(), describe(status));
  }
  CHECK(isMounted(rig, staging));
  CHECK(rig.os.probeFilesystem(
            rig.service->localDevice(v.id, Deadline::in(std::chrono::seconds(5)))) == "ext4");

  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::NodePublishVolumeResponse reply;
    const auto status = call(*h.node, &NodeStub::NodePublishVolume,
                             publishRequest(v.id, staging, target, false), &reply);
    REQUIRE_MESSAGE(status.ok(), describe(status));
  }
  CHECK(isMounted(rig, target));
  writeFile(target + "/hello.txt", "written through the publish");
  CHECK(readFile(staging + "/hello.txt") == "written through the publish");

  // Read-only honoured: a second target, published read-only, refuses writes.
  csi::v1::NodePublishVolumeResponse published;
  REQUIRE(call(*h.node, &NodeStub::NodePublishVolume,
               publishRequest(v.id, staging, readOnlyTarget, true), &published)
              .ok());
  CHECK(readFile(readOnlyTarget + "/hello.txt") == "written through the publish");
  const int fd = ::open((readOnlyTarget + "/nope.txt").c_str(), O_WRONLY | O_CREAT, 0600);
  const int err = errno;
  if (fd >= 0) ::close(fd);
  CHECK(fd < 0);
  CHECK(err == EROFS);
  // The same target again but read-write is not the same publish.
  CHECK_CODE(call(*h.node, &NodeStub::NodePublishVolume,
                  publishRequest(v.id, staging, readOnlyTarget, false), &published),
             StatusCode::ALREADY_EXISTS);

  // The volume is in use while published: no delete, no detach.
  csi::v1::DeleteVolumeRequest remove;
  remove.set_volume_id(v.id);
  csi::v1::DeleteVolumeResponse removed;
  CHECK_CODE(call(*h.controller, &ControllerStub::DeleteVolume, remove, &removed),
             StatusCode::FAILED_PRECONDITION);

  // Stats: bytes and inodes of the file system, and a healthy condition.
  csi::v1::NodeGetVolumeStatsRequest stats;
  stats.set_volume_id(v.id);
  stats.set_volume_path(target);
  csi::v1::NodeGetVolumeStatsResponse usage;
  REQUIRE(call(*h.node, &NodeStub::NodeGetVolumeStats, stats, &usage).ok());
  REQUIRE(usage.usage_size() == 2);
  CHECK(usage.usage(0).unit() == csi::v1::VolumeUsage::BYTES);
  CHECK(usage.usage(0).total() > kGiB * 9 / 10);
  CHECK(usage.usage(0).total() <= kGiB);
  CHECK(usage.usage(0).used() > 0);
  CHECK(usage.usage(1).unit() == csi::v1::VolumeUsage::INODES);
  CHECK(usage.usage(1).used() > 0);
  CHECK_FALSE(usage.volume_condition().abnormal());

  for (const auto &t : {target, readOnlyTarget}) {
    csi::v1::NodeUnpublishVolumeRequest unpublish;
    unpublish.set_volume_id(v.id);
    unpublish.set_target_path(t);
    for (int i = 0; i < kRepeats; ++i) {
      csi::v1::NodeUnpublishVolumeResponse reply;
      CHECK_CODE(call(*h.node, &NodeStub::NodeUnpublishVolume, unpublish, &reply), StatusCode::OK);
    }
    CHECK_FALSE(isMounted(rig, t));
    struct stat st {};
    CHECK(::stat(t.c_str(), &st) != 0); // the plugin removes what it created
  }
  csi::v1::NodeUnstageVolumeRequest unstage;
  unstage.set_volume_id(v.id);
  unstage.set_staging_target_path(staging);
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::NodeUnstageVolumeResponse reply;
    CHECK_CODE(call(*h.node, &NodeStub::NodeUnstageVolume, unstage, &reply), StatusCode::OK);
  }
  CHECK_FALSE(isMounted(rig, staging));

  csi::v1::ControllerUnpublishVolumeRequest detach;
  detach.set_volume_id(v.id);
  detach.set_node_id(v.node);
  csi::v1::ControllerUnpublishVolumeResponse detached;
  REQUIRE(call(*h.controller, &ControllerStub::ControllerUnpublishVolume, detach, &detached).ok());
  CHECK_FALSE(rig.service->inspect(v.id, Deadline::in(std::chrono::seconds(5))).attached());

  // A second cycle finds what the first one wrote (and does not format again).
  csi::v1::ControllerPublishVolumeRequest attach;
  attach.set_volume_id(v.id);
  attach.set_node_id(v.node);
  *attach.mutable_volume_capability() = mountCapability();
  csi::v1::ControllerPublishVolumeResponse attached;
  REQUIRE(call(*h.controller, &ControllerStub::ControllerPublishVolume, attach, &attached).ok());
  csi::v1::NodeStageVolumeResponse staged;
  REQUIRE(call(*h.node, &NodeStub::NodeStageVolume, stageRequest(v.id, staging), &staged).ok());
  CHECK(readFile(staging + "/hello.txt") == "written through the publish");
  csi::v1::NodeUnstageVolumeResponse unstaged;
  REQUIRE(call(*h.node, &NodeStub::NodeUnstageVolume, unstage, &unstaged).ok());
  REQUIRE(call(*h.controller, &ControllerStub::ControllerUnpublishVolume, detach, &detached).ok());
  CHECK_CODE(call(*h.controller, &ControllerStub::DeleteVolume, remove, &removed), StatusCode::OK);
}

TEST_CASE("CSI node: block access publishes the device node itself") {
  VfsCsiRig rig;
  auto &h = *rig.harness;
  const Volume1 v = publishedVolume(h, "raw");
  const std::string staging = rig.path("staging");
  const std::string target = rig.path("rawdev");
  REQUIRE(::mkdir(staging.c_str(), 0750) == 0);
  auto stage = stageRequest(v.id, staging);
  *stage.mutable_volume_capability() = blockCapability();
  csi::v1::NodeStageVolumeResponse staged;
  REQUIRE(call(*h.node, &NodeStub::NodeStageVolume, stage, &staged).ok());
  CHECK_FALSE(isMounted(rig, staging)); // nothing to mount: no file system
  auto publish = publishRequest(v.id, staging, target, false);
  *publish.mutable_volume_capability() = blockCapability();
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::NodePublishVolumeResponse reply;
    const auto status = call(*h.node, &NodeStub::NodePublishVolume, publish, &reply);
    REQUIRE_MESSAGE(status.ok(), describe(status));
  }
  struct stat st {};
  REQUIRE(::stat(target.c_str(), &st) == 0);
  CHECK(S_ISBLK(st.st_mode));
  // Bytes written to the published node reach the volume's device.
  const std::string device = rig.service->localDevice(v.id, Deadline::in(std::chrono::seconds(5)));
  {
    const int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    CHECK(::pwrite(fd, "BLOCKDATA", 9, 4096) == 9);
    ::fsync(fd);
    ::close(fd);
  }
  {
    char buf[9] = {};
    const int fd = ::open(device.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    CHECK(::pread(fd, buf, 9, 4096) == 9);
    ::close(fd);
    CHECK(std::string(buf, 9) == "BLOCKDATA");
  }
  csi::v1::NodeGetVolumeStatsRequest stats;
  stats.set_volume_id(v.id);
  stats.set_volume_path(target);
  csi::v1::NodeGetVolumeStatsResponse usage;
  REQUIRE(call(*h.node, &NodeStub::NodeGetVolumeStats, stats, &usage).ok());
  REQUIRE(usage.usage_size() == 1);
  CHECK(usage.usage(0).total() == kGiB);

  csi::v1::NodeUnpublishVolumeRequest unpublish;
  unpublish.set_volume_id(v.id);
  unpublish.set_target_path(target);
  csi::v1::NodeUnpublishVolumeResponse done;
  REQUIRE(call(*h.node, &NodeStub::NodeUnpublishVolume, unpublish, &done).ok());
  CHECK(::stat(target.c_str(), &st) != 0);
  csi::v1::NodeUnstageVolumeRequest unstage;
  unstage.set_volume_id(v.id);
  unstage.set_staging_target_path(staging);
  csi::v1::NodeUnstageVolumeResponse unstaged;
  CHECK(call(*h.node, &NodeStub::NodeUnstageVolume, unstage, &unstaged).ok());
}

TEST_CASE("CSI node: error codes of stage and publish and unpublish and unstage and stats") {
  VfsCsiRig rig;
  auto &h = *rig.harness;
  const Volume1 v = publishedVolume(h, "errs");
  const std::string staging = rig.path("staging");
  REQUIRE(::mkdir(staging.c_str(), 0750) == 0);
  csi::v1::NodeStageVolumeResponse staged;

  auto missing = stageRequest("vfs-does-not-exist", staging);
  CHECK_CODE(call(*h.node, &NodeStub::NodeStageVolume, missing, &staged), StatusCode::NOT_FOUND);
  CHECK_CODE(call(*h.node, &NodeStub::NodeStageVolume, stageRequest("", staging), &staged),
             StatusCode::INVALID_ARGUMENT);
  CHECK_CODE(call(*h.node, &NodeStub::NodeStageVolume, stageRequest(v.id, ""), &staged),
             StatusCode::INVALID_ARGUMENT);
  auto noCap = stageRequest(v.id, staging);
  noCap.clear_volume_capability();
  CHECK_CODE(call(*h.node, &NodeStub::NodeStageVolume, noCap, &staged),
             StatusCode::INVALID_ARGUMENT);

  // Publishing what was never staged there.
  csi::v1::NodePublishVolumeResponse published;
  CHECK_CODE(call(*h.node, &NodeStub::NodePublishVolume,
                  publishRequest(v.id, staging, rig.path("t"), false), &published),
             StatusCode::FAILED_PRECONDITION);
  CHECK_CODE(call(*h.node, &NodeStub::NodePublishVolume, publishRequest(v.id, staging, "", false),
                  &published),
             StatusCode::INVALID_ARGUMENT);
  CHECK_CODE(call(*h.node, &NodeStub::NodePublishVolume,
                  publishRequest(v.id, "", rig.path("t"), false), &published),
             StatusCode::INVALID_ARGUMENT);
  CHECK_CODE(call(*h.node, &NodeStub::NodePublishVolume,
                  publishRequest("vfs-does-not-exist", staging, rig.path("t"), false), &published),
             StatusCode::NOT_FOUND);

  csi::v1::NodeUnpublishVolumeRequest unpublish;
  unpublish.set_volume_id(v.id);
  csi::v1::NodeUnpublishVolumeResponse unpublished;
  CHECK_CODE(call(*h.node, &NodeStub::NodeUnpublishVolume, unpublish, &unpublished),
             StatusCode::INVALID_ARGUMENT);
  unpublish.set_target_path(rig.path("never-published"));
  CHECK_CODE(call(*h.node, &NodeStub::NodeUnpublishVolume, unpublish, &unpublished),
             StatusCode::OK);
  unpublish.set_volume_id("vfs-does-not-exist");
  CHECK_CODE(call(*h.node, &NodeStub::NodeUnpublishVolume, unpublish, &unpublished),
             StatusCode::NOT_FOUND);

  csi::v1::NodeUnstageVolumeRequest unstage;
  unstage.set_volume_id(v.id);
  csi::v1::NodeUnstageVolumeResponse unstaged;
  CHECK_CODE(call(*h.node, &NodeStub::NodeUnstageVolume, unstage, &unstaged),
             StatusCode::INVALID_ARGUMENT);
  unstage.set_staging_target_path(staging);
  CHECK_CODE(call(*h.node, &NodeStub::NodeUnstageVolume, unstage, &unstaged), StatusCode::OK);
  unstage.set_volume_id("vfs-does-not-exist");
  CHECK_CODE(call(*h.node, &NodeStub::NodeUnstageVolume, unstage, &unstaged),
             StatusCode::NOT_FOUND);

  csi::v1::NodeGetVolumeStatsRequest stats;
  stats.set_volume_id(v.id);
  csi::v1::NodeGetVolumeStatsResponse usage;
  CHECK_CODE(call(*h.node, &NodeStub::NodeGetVolumeStats, stats, &usage),
             StatusCode::INVALID_ARGUMENT);
  stats.set_volume_path(rig.path("no-such-path"));
  CHECK_CODE(call(*h.node, &NodeStub::NodeGetVolumeStats, stats, &usage), StatusCode::NOT_FOUND);
  stats.set_volume_id("vfs-does-not-exist");
  stats.set_volume_path(staging);
  CHECK_CODE(call(*h.node, &NodeStub::NodeGetVolumeStats, stats, &usage), StatusCode::NOT_FOUND);
  // A path that is not mounted any more is reported abnormal.
  stats.set_volume_id(v.id);
  REQUIRE(call(*h.node, &NodeStub::NodeGetVolumeStats, stats, &usage).ok());
  CHECK(usage.volume_condition().abnormal());
}

TEST_CASE("CSI expansion: the controller grows the volume and the node its mounted file system") {
  VfsCsiRig rig;
  auto &h = *rig.harness;
  const Volume1 v = publishedVolume(h, "growing");
  const std::string staging = rig.path("staging");
  REQUIRE(::mkdir(staging.c_str(), 0750) == 0);
  // XFS: growing a mounted ext4 takes CAP_SYS_RESOURCE, which containers
  // (these machines) often lack; xfs_growfs needs only CAP_SYS_ADMIN.
  auto stage = stageRequest(v.id, staging);
  *stage.mutable_volume_capability() =
      mountCapability(VolumeCapability::AccessMode::SINGLE_NODE_WRITER, "xfs");
  csi::v1::NodeStageVolumeResponse staged;
  REQUIRE(call(*h.node, &NodeStub::NodeStageVolume, stage, &staged).ok());
  writeFile(staging + "/keep.txt", "still here");
  const auto totalOf = [&] {
    csi::v1::NodeGetVolumeStatsRequest stats;
    stats.set_volume_id(v.id);
    stats.set_volume_path(staging);
    csi::v1::NodeGetVolumeStatsResponse usage;
    REQUIRE(call(*h.node, &NodeStub::NodeGetVolumeStats, stats, &usage).ok());
    return usage.usage(0).total();
  };
  const int64_t before = totalOf();

  csi::v1::ControllerExpandVolumeRequest grow;
  grow.set_volume_id(v.id);
  grow.mutable_capacity_range()->set_required_bytes(2 * kGiB);
  csi::v1::ControllerExpandVolumeResponse grown;
  REQUIRE(call(*h.controller, &ControllerStub::ControllerExpandVolume, grow, &grown).ok());
  CHECK(grown.capacity_bytes() == 2 * kGiB);
  CHECK(grown.node_expansion_required());

  csi::v1::NodeExpandVolumeRequest expand;
  expand.set_volume_id(v.id);
  expand.set_volume_path(staging);
  expand.mutable_capacity_range()->set_required_bytes(2 * kGiB);
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::NodeExpandVolumeResponse reply;
    const auto status = call(*h.node, &NodeStub::NodeExpandVolume, expand, &reply);
    REQUIRE_MESSAGE(status.ok(), describe(status));
    CHECK(reply.capacity_bytes() == 2 * kGiB);
  }
  const int64_t after = totalOf();
  CHECK(after > before + kGiB * 9 / 10);
  CHECK(readFile(staging + "/keep.txt") == "still here");

  csi::v1::NodeExpandVolumeResponse reply;
  auto tooBig = expand;
  tooBig.mutable_capacity_range()->set_required_bytes(5 * kGiB);
  CHECK_CODE(call(*h.node, &NodeStub::NodeExpandVolume, tooBig, &reply), StatusCode::OUT_OF_RANGE);
  auto missing = expand;
  missing.set_volume_id("vfs-does-not-exist");
  CHECK_CODE(call(*h.node, &NodeStub::NodeExpandVolume, missing, &reply), StatusCode::NOT_FOUND);
  auto noPath = expand;
  noPath.clear_volume_path();
  CHECK_CODE(call(*h.node, &NodeStub::NodeExpandVolume, noPath, &reply),
             StatusCode::INVALID_ARGUMENT);

  csi::v1::NodeUnstageVolumeRequest unstage;
  unstage.set_volume_id(v.id);
  unstage.set_staging_target_path(staging);
  csi::v1::NodeUnstageVolumeResponse unstaged;
  CHECK(call(*h.node, &NodeStub::NodeUnstageVolume, unstage, &unstaged).ok());
}
