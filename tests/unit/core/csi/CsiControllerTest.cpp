// CSI Identity and Controller, over a real unix socket: each RPC's happy
// path, its repeat (csi-sanity's 10 times, with the same result) and the
// error codes the spec names for it.
#include "core/csi/CsiTestSupport.h"

#include <sys/statvfs.h>

#include <cstdlib>
#include <future>
#include <map>
#include <set>
#include <thread>

using namespace rexray;
using namespace rexray::testing;
using csi::v1::VolumeCapability;
using grpc::StatusCode;

namespace {

std::string createVolume(CsiHarness &h, const std::string &name, int64_t bytes = kGiB) {
  csi::v1::CreateVolumeResponse reply;
  const auto status = call(*h.controller, &csi::v1::Controller::Stub::CreateVolume,
                           createRequest(name, bytes), &reply);
  REQUIRE_MESSAGE(status.ok(), describe(status));
  return reply.volume().volume_id();
}

std::string nodeId(CsiHarness &h) {
  csi::v1::NodeGetInfoResponse info;
  REQUIRE(
      call(*h.node, &csi::v1::Node::Stub::NodeGetInfo, csi::v1::NodeGetInfoRequest(), &info).ok());
  return info.node_id();
}

} // namespace

TEST_CASE("CSI identity: plugin info and capabilities and probe answer the same each time") {
  VfsCsiRig rig;
  auto &h = *rig.harness;
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::GetPluginInfoResponse info;
    REQUIRE(call(*h.identity, &csi::v1::Identity::Stub::GetPluginInfo,
                 csi::v1::GetPluginInfoRequest(), &info)
                .ok());
    CHECK(info.name() == "rexray.vfs");
    CHECK_FALSE(info.vendor_version().empty());

    csi::v1::GetPluginCapabilitiesResponse caps;
    REQUIRE(call(*h.identity, &csi::v1::Identity::Stub::GetPluginCapabilities,
                 csi::v1::GetPluginCapabilitiesRequest(), &caps)
                .ok());
    bool controller = false, online = false;
    for (const auto &c : caps.capabilities()) {
      controller = controller ||
                   (c.has_service() &&
                    c.service().type() == csi::v1::PluginCapability::Service::CONTROLLER_SERVICE);
      online = online ||
               (c.has_volume_expansion() &&
                c.volume_expansion().type() == csi::v1::PluginCapability::VolumeExpansion::ONLINE);
    }
    CHECK(controller);
    CHECK(online); // vfs implements volume_expand
    // vfs has no zones: no topology.
    for (const auto &c : caps.capabilities())
      CHECK_FALSE((c.has_service() &&
                   c.service().type() ==
                       csi::v1::PluginCapability::Service::VOLUME_ACCESSIBILITY_CONSTRAINTS));

    csi::v1::ProbeResponse probe;
    REQUIRE(
        call(*h.identity, &csi::v1::Identity::Stub::Probe, csi::v1::ProbeRequest(), &probe).ok());
    CHECK(probe.ready().value());
  }
}

TEST_CASE("CSI controller: capabilities follow what the driver can do") {
  VfsCsiRig rig;
  csi::v1::ControllerGetCapabilitiesResponse caps;
  REQUIRE(call(*rig.harness->controller, &csi::v1::Controller::Stub::ControllerGetCapabilities,
               csi::v1::ControllerGetCapabilitiesRequest(), &caps)
              .ok());
  std::set<int> types;
  for (const auto &c : caps.capabilities()) types.insert(c.rpc().type());
  using RPC = csi::v1::ControllerServiceCapability::RPC;
  // vfs reports the free space of its root (ABI 1.3 capacity).
  for (auto t : {RPC::CREATE_DELETE_VOLUME, RPC::PUBLISH_UNPUBLISH_VOLUME, RPC::LIST_VOLUMES,
                 RPC::LIST_VOLUMES_PUBLISHED_NODES, RPC::CREATE_DELETE_SNAPSHOT,
                 RPC::LIST_SNAPSHOTS, RPC::EXPAND_VOLUME, RPC::GET_CAPACITY})
    CHECK_MESSAGE(types.count(t), RPC::Type_Name(t));

  // GetCapacity: the free space of the file system vfs keeps its images on.
  csi::v1::GetCapacityResponse capacity;
  const auto got = call(*rig.harness->controller, &csi::v1::Controller::Stub::GetCapacity,
                        csi::v1::GetCapacityRequest(), &capacity);
  REQUIRE_MESSAGE(got.ok(), describe(got));
  struct statvfs st {};
  REQUIRE(::statvfs(rig.tmp.dir().c_str(), &st) == 0); // vfs keeps its images under it
  const int64_t free = static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
  CHECK(capacity.available_capacity() > 0);
  // Within 64 MiB of what statvfs says now (other writers share the disk).
  CHECK(std::llabs(capacity.available_capacity() - free) < (int64_t(64) << 20));
}

TEST_CASE(
    "CSI CreateVolume: created once and repeats return the same volume - bad requests refused") {
  VfsCsiRig rig;
  auto &h = *rig.harness;
  using Stub = csi::v1::Controller::Stub;
  std::string id;
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::CreateVolumeResponse reply;
    const auto status =
        call(*h.controller, &Stub::CreateVolume, createRequest("pgdata", kGiB + 1), &reply);
    REQUIRE_MESSAGE(status.ok(), describe(status));
    CHECK(reply.volume().capacity_bytes() == 2 * kGiB); // whole GiB, at least what was asked
    if (i == 0) id = reply.volume().volume_id();
    CHECK(reply.volume().volume_id() == id);
  }
  CHECK(rig.service->list(Deadline::in(std::chrono::seconds(30))).size() == 1);

  csi::v1::CreateVolumeResponse reply;
  // INVALID_ARGUMENT: no name, no capabilities, a name over 128 bytes, an
  // unknown parameter, a mode one node cannot serve.
  CHECK_CODE(call(*h.controller, &Stub::CreateVolume, createRequest(""), &reply),
             StatusCode::INVALID_ARGUMENT);
  auto noCaps = createRequest("nocaps");
  noCaps.clear_volume_capabilities();
  CHECK_CODE(call(*h.controller, &Stub::CreateVolume, noCaps, &reply),
             StatusCode::INVALID_ARGUMENT);
  CHECK_CODE(call(*h.controller, &Stub::CreateVolume, createRequest(std::string(129, 'a')), &reply),
             StatusCode::INVALID_ARGUMENT);
  auto badParam = createRequest("badparam");
  (*badParam.mutable_parameters())["noSuchOption"] = "1";
  CHECK_CODE(call(*h.controller, &Stub::CreateVolume, badParam, &reply),
             StatusCode::INVALID_ARGUMENT);
  auto multi = createRequest("multi");
  *multi.mutable_volume_capabilities(0) =
      mountCapability(VolumeCapability::AccessMode::MULTI_NODE_MULTI_WRITER);
  CHECK_CODE(call(*h.controller, &Stub::CreateVolume, multi, &reply), StatusCode::INVALID_ARGUMENT);
  // The longest name CSI allows is fine.
  CHECK(
      call(*h.controller, &Stub::CreateVolume, createRequest(std::string(128, 'b')), &reply).ok());

  // ALREADY_EXISTS: the name exists with a size outside the range asked for.
  auto bigger = createRequest("pgdata", 5 * kGiB);
  CHECK_CODE(call(*h.controller, &Stub::CreateVolume, bigger, &reply), StatusCode::ALREADY_EXISTS);
  // OUT_OF_RANGE: no whole GiB fits the range.
  auto tight = createRequest("tight", kGiB + 1);
  tight.mutable_capacity_range()->set_limit_bytes(kGiB + 2);
  CHECK_CODE(call(*h.controller, &Stub::CreateVolume, tight, &reply), StatusCode::OUT_OF_RANGE);
  // NOT_FOUND: the content source does not exist.
  auto fromSnap = createRequest("fromsnap");
  fromSnap.mutable_volume_content_source()->mutable_snapshot()->set_snapshot_id("vfssnap-none");
  CHECK_CODE(call(*h.controller, &Stub::CreateVolume, fromSnap, &reply), StatusCode::NOT_FOUND);
  auto fromVol = createRequest("fromvol");
  fromVol.mutable_volume_content_source()->mutable_volume()->set_volume_id("vfs-none");
  CHECK_CODE(call(*h.controller, &Stub::CreateVolume, fromVol, &reply), StatusCode::NOT_FOUND);
}

TEST_CASE("CSI DeleteVolume: removes and a repeat succeeds - in use is FAILED_PRECONDITION") {
  VfsCsiRig rig;
  auto &h = *rig.harness;
  using Stub = csi::v1::Controller::Stub;
  const std::string id = createVolume(h, "scratch");
  csi::v1::DeleteVolumeRequest request;
  csi::v1::DeleteVolumeResponse reply;
  CHECK_CODE(call(*h.controller, &Stub::DeleteVolume, request, &reply),
             StatusCode::INVALID_ARGUMENT);

  // Published (attached to the node) it stays.
  const std::string busy = createVolume(h, "busy");
  csi::v1::ControllerPublishVolumeRequest publish;
  publish.set_volume_id(busy);
  publish.set_node_id(nodeId(h));
  *publish.mutable_volume_capability() = mountCapability();
  csi::v1::ControllerPublishVolumeResponse published;
  REQUIRE(call(*h.controller, &Stub::ControllerPublishVolume, publish, &published).ok());
  request.set_volume_id(busy);
  CHECK_CODE(call(*h.controller, &Stub::DeleteVolume, request, &reply),
             StatusCode::FAILED_PRECONDITION);

  request.set_volume_id(id);
  for (int i = 0; i < kRepeats; ++i)
    CHECK_CODE(call(*h.controller, &Stub::DeleteVolume, request, &reply), StatusCode::OK);
  CHECK_FALSE(rig.service->cachedFind(id));
}

TEST_CASE("CSI ControllerPublish/Unpublish: attach to this node repeatably - codes per spec") {
  VfsCsiRig rig;
  auto &h = *rig.harness;
  using Stub = csi::v1::Controller::Stub;
  const std::string id = createVolume(h, "web");
  const std::string node = nodeId(h);
  csi::v1::ControllerPublishVolumeRequest publish;
  publish.set_volume_id(id);
  publish.set_node_id(node);
  *publish.mutable_volume_capability() = mountCapability();
  std::string device;
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::ControllerPublishVolumeResponse reply;
    const auto status = call(*h.controller, &Stub::ControllerPublishVolume, publish, &reply);
    REQUIRE_MESSAGE(status.ok(), describe(status));
    if (i == 0) device = reply.publish_context().at("device");
    CHECK(reply.publish_context().at("device") == device);
  }
  CHECK(device.rfind("/dev/loop", 0) == 0);

  csi::v1::ControllerPublishVolumeResponse reply;
  auto noNode = publish;
  noNode.clear_node_id();
  CHECK_CODE(call(*h.controller, &Stub::ControllerPublishVolume, noNode, &reply),
             StatusCode::INVALID_ARGUMENT);
  auto noCap = publish;
  noCap.clear_volume_capability();
  CHECK_CODE(call(*h.controller, &Stub::ControllerPublishVolume, noCap, &reply),
             StatusCode::INVALID_ARGUMENT);
  // Published here, so on another node it is FAILED_PRECONDITION naming this one.
  auto otherNode = publish;
  otherNode.set_node_id("some-other-node");
  const auto taken = call(*h.controller, &Stub::ControllerPublishVolume, otherNode, &reply);
  CHECK_CODE(taken, StatusCode::FAILED_PRECONDITION);
  CHECK(taken.error_message().find(node) != std::string::npos);
  // A volume free to go: vfs attaches to its own host only, so another
  // node is one it does not know.
  otherNode.set_volume_id(createVolume(h, "elsewhere"));
  CHECK_CODE(call(*h.controller, &Stub::ControllerPublishVolume, otherNode, &reply),
             StatusCode::NOT_FOUND);
  auto missing = publish;
  missing.set_volume_id("vfs-does-not-exist");
  CHECK_CODE(call(*h.controller, &Stub::ControllerPublishVolume, missing, &reply),
             StatusCode::NOT_FOUND);
  // LIST_VOLUMES_PUBLISHED_NODES: this node for the published volume, none for the other.
  csi::v1::ListVolumesResponse listed;
  REQUIRE(call(*h.controller, &Stub::ListVolumes, csi::v1::ListVolumesRequest(), &listed).ok());
  std::map<std::string, std::vector<std::string>> publishedOn;
  for (const auto &e : listed.entries()) {
    REQUIRE(e.has_status());
    publishedOn[e.volume().volume_id()].assign(e.status().published_node_ids().begin(),
                                               e.status().published_node_ids().end());
  }
  CHECK(publishedOn.at(id) == std::vector<std::string>{node});
  CHECK(publishedOn.at(otherNode.volume_id()).empty());

  csi::v1::ControllerUnpublishVolumeRequest unpublish;
  unpublish.set_volume_id(id);
  unpublish.set_node_id(node);
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::ControllerUnpublishVolumeResponse done;
    CHECK_CODE(call(*h.controller, &Stub::ControllerUnpublishVolume, unpublish, &done),
               StatusCode::OK);
  }
  CHECK_FALSE(rig.service->inspect(id, Deadline::in(std::chrono::seconds(30))).attached());
  csi::v1::ControllerUnpublishVolumeResponse done;
  unpublish.set_volume_id("vfs-does-not-exist"); // gone counts as unpublished
  CHECK_CODE(call(*h.controller, &Stub::ControllerUnpublishVolume, unpublish, &done),
             StatusCode::OK);
  unpublish.clear_volume_id();
  CHECK_CODE(call(*h.controller, &Stub::ControllerUnpublishVolume, unpublish, &done),
             StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("CSI ValidateVolumeCapabilities: single-node modes confirmed and multi-node not") {
  VfsCsiRig rig;
  auto &h = *rig.harness;
  using Stub = csi::v1::Controller::Stub;
  const std::string id = createVolume(h, "check");
  csi::v1::ValidateVolumeCapabilitiesRequest request;
  request.set_volume_id(id);
  *request.add_volume_capabilities() = mountCapability();
  *request.add_volume_capabilities() = blockCapability();
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::ValidateVolumeCapabilitiesResponse reply;
    REQUIRE(call(*h.controller, &Stub::ValidateVolumeCapabilities, request, &reply).ok());
    CHECK(reply.has_confirmed());
    CHECK(reply.confirmed().volume_capabilities_size() == 2);
  }
  csi::v1::ValidateVolumeCapabilitiesResponse reply;
  auto multi = request;
  *multi.add_volume_capabilities() =
      mountCapability(VolumeCapability::AccessMode::MULTI_NODE_READER_ONLY);
  REQUIRE(call(*h.controller, &Stub::ValidateVolumeCapabilities, multi, &reply).ok());
  CHECK_FALSE(reply.has_confirmed());
  CHECK_FALSE(reply.message().empty());

  auto missing = request;
  missing.set_volume_id("vfs-does-not-exist");
  CHECK_CODE(call(*h.controller, &Stub::ValidateVolumeCapabilities, missing, &reply),
             StatusCode::NOT_FOUND);
  auto noCaps = request;
  noCaps.clear_volume_capabilities();
  CHECK_CODE(call(*h.controller, &Stub::ValidateVolumeCapabilities, noCaps, &reply),
             StatusCode::INVALID_ARGUMENT);
  auto noAccessType = request;
  noAccessType.mutable_volume_capabilities(0)->clear_mount();
  CHECK_CODE(call(*h.controller, &Stub::ValidateVolumeCapabilities, noAccessType, &reply),
             StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("CSI ListVolumes: 1000 volumes paged by starting_token and each seen exactly once") {
  FakeCsiRig fake;
  for (int i = 0; i < 1000; ++i)
    fake.rig.backend().addVolume("vol-" + std::to_string(10000 + i), "v" + std::to_string(i), 3);
  auto &h = fake.harness;
  using Stub = csi::v1::Controller::Stub;
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    csi::v1::ListVolumesRequest request;
    request.set_max_entries(97);
    request.set_starting_token(token);
    csi::v1::ListVolumesResponse reply;
    const auto status = call(*h.controller, &Stub::ListVolumes, request, &reply);
    REQUIRE_MESSAGE(status.ok(), describe(status));
    CHECK(reply.entries_size() <= 97);
    for (const auto &e : reply.entries()) {
      CHECK(seen.insert(e.volume().volume_id()).second);
      CHECK(e.volume().capacity_bytes() == 3 * kGiB);
    }
    token = reply.next_token();
    ++pages;
  } while (!token.empty() && pages < 100);
  CHECK(seen.size() == 1000);
  CHECK(pages == 11); // 10 full pages of 97, then 30

  csi::v1::ListVolumesResponse all;
  REQUIRE(call(*h.controller, &Stub::ListVolumes, csi::v1::ListVolumesRequest(), &all).ok());
  CHECK(all.entries_size() == 1000);
  CHECK(all.next_token().empty());

  csi::v1::ListVolumesRequest bad;
  bad.set_starting_token("not-a-token");
  CHECK_CODE(call(*h.controller, &Stub::ListVolumes, bad, &all), StatusCode::ABORTED);
  bad.set_starting_token("1001");
  CHECK_CODE(call(*h.controller, &Stub::ListVolumes, bad, &all), StatusCode::ABORTED);
  csi::v1::ListVolumesRequest negative;
  negative.set_max_entries(-1);
  CHECK_CODE(call(*h.controller, &Stub::ListVolumes, negative, &all), StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("CSI: a second call on a volume while one is in flight is ABORTED at once") {
  FakeCsiRig fake;
  fake.rig.backend().addVolume("vol-1", "held");
  auto &h = fake.harness;
  using Stub = csi::v1::Controller::Stub;
  csi::v1::NodeGetInfoResponse info;
  REQUIRE(
      call(*h.node, &csi::v1::Node::Stub::NodeGetInfo, csi::v1::NodeGetInfoRequest(), &info).ok());
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  fake.rig.backend().onAttach([&] {
    entered.set_value();
    released.wait();
  });
  csi::v1::ControllerPublishVolumeRequest publish;
  publish.set_volume_id("vol-1");
  publish.set_node_id(info.node_id());
  *publish.mutable_volume_capability() = mountCapability();
  auto first = std::async(std::launch::async, [&] {
    csi::v1::ControllerPublishVolumeResponse reply;
    return call(*h.controller, &Stub::ControllerPublishVolume, publish, &reply);
  });
  entered.get_future().wait();
  csi::v1::ControllerPublishVolumeResponse reply;
  CHECK_CODE(call(*h.controller, &Stub::ControllerPublishVolume, publish, &reply),
             StatusCode::ABORTED);
  csi::v1::DeleteVolumeRequest remove;
  remove.set_volume_id("vol-1");
  csi::v1::DeleteVolumeResponse removed;
  CHECK_CODE(call(*h.controller, &Stub::DeleteVolume, remove, &removed), StatusCode::ABORTED);
  release.set_value();
  CHECK_CODE(first.get(), StatusCode::OK);
  fake.rig.backend().onAttach(nullptr);
  // Once it is done, the volume takes calls again.
  CHECK_CODE(call(*h.controller, &Stub::ControllerPublishVolume, publish, &reply), StatusCode::OK);
}

TEST_CASE("CSI snapshots: create repeatably - list by id and by source with paging - delete") {
  VfsCsiRig rig;
  auto &h = *rig.harness;
  using Stub = csi::v1::Controller::Stub;
  const std::string volume = createVolume(h, "db");
  const std::string other = createVolume(h, "other");
  csi::v1::CreateSnapshotRequest create;
  create.set_name("db-snap");
  create.set_source_volume_id(volume);
  std::string snapId;
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::CreateSnapshotResponse reply;
    const auto status = call(*h.controller, &Stub::CreateSnapshot, create, &reply);
    REQUIRE_MESSAGE(status.ok(), describe(status));
    if (i == 0) snapId = reply.snapshot().snapshot_id();
    CHECK(reply.snapshot().snapshot_id() == snapId);
    CHECK(reply.snapshot().source_volume_id() == volume);
    CHECK(reply.snapshot().size_bytes() == kGiB);
    CHECK(reply.snapshot().ready_to_use());
    CHECK(reply.snapshot().creation_time().seconds() > 0);
  }
  csi::v1::CreateSnapshotResponse reply;
  auto clash = create;
  clash.set_source_volume_id(other);
  CHECK_CODE(call(*h.controller, &Stub::CreateSnapshot, clash, &reply), StatusCode::ALREADY_EXISTS);
  auto missing = create;
  missing.set_name("orphan");
  missing.set_source_volume_id("vfs-does-not-exist");
  CHECK_CODE(call(*h.controller, &Stub::CreateSnapshot, missing, &reply), StatusCode::NOT_FOUND);
  auto noName = create;
  noName.clear_name();
  CHECK_CODE(call(*h.controller, &Stub::CreateSnapshot, noName, &reply),
             StatusCode::INVALID_ARGUMENT);

  create.set_name("db-snap-2");
  REQUIRE(call(*h.controller, &Stub::CreateSnapshot, create, &reply).ok());
  csi::v1::ListSnapshotsRequest list;
  list.set_source_volume_id(volume);
  list.set_max_entries(1);
  csi::v1::ListSnapshotsResponse page;
  REQUIRE(call(*h.controller, &Stub::ListSnapshots, list, &page).ok());
  CHECK(page.entries_size() == 1);
  REQUIRE_FALSE(page.next_token().empty());
  list.set_starting_token(page.next_token());
  csi::v1::ListSnapshotsResponse rest;
  REQUIRE(call(*h.controller, &Stub::ListSnapshots, list, &rest).ok());
  CHECK(rest.entries_size() == 1);
  CHECK(rest.next_token().empty());
  CHECK(rest.entries(0).snapshot().snapshot_id() != page.entries(0).snapshot().snapshot_id());
  csi::v1::ListSnapshotsRequest byId;
  byId.set_snapshot_id(snapId);
  REQUIRE(call(*h.controller, &Stub::ListSnapshots, byId, &page).ok());
  REQUIRE(page.entries_size() == 1);
  CHECK(page.entries(0).snapshot().snapshot_id() == snapId);
  byId.set_snapshot_id("vfssnap-none");
  REQUIRE(call(*h.controller, &Stub::ListSnapshots, byId, &page).ok());
  CHECK(page.entries_size() == 0);
  csi::v1::ListSnapshotsRequest badToken;
  badToken.set_starting_token("x");
  CHECK_CODE(call(*h.controller, &Stub::ListSnapshots, badToken, &page), StatusCode::ABORTED);

  // A volume restored from the snapshot has its source's size.
  auto restore = createRequest("restored", 0);
  restore.clear_capacity_range();
  restore.mutable_volume_content_source()->mutable_snapshot()->set_snapshot_id(snapId);
  csi::v1::CreateVolumeResponse restored;
  REQUIRE(call(*h.controller, &Stub::CreateVolume, restore, &restored).ok());
  CHECK(restored.volume().capacity_bytes() == kGiB);
  CHECK(restored.volume().content_source().snapshot().snapshot_id() == snapId);

  csi::v1::DeleteSnapshotRequest remove;
  remove.set_snapshot_id(snapId);
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::DeleteSnapshotResponse done;
    CHECK_CODE(call(*h.controller, &Stub::DeleteSnapshot, remove, &done), StatusCode::OK);
  }
  remove.clear_snapshot_id();
  csi::v1::DeleteSnapshotResponse done;
  CHECK_CODE(call(*h.controller, &Stub::DeleteSnapshot, remove, &done),
             StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("CSI ControllerExpandVolume: grows once and repeats are done - codes per spec") {
  VfsCsiRig rig;
  auto &h = *rig.harness;
  using Stub = csi::v1::Controller::Stub;
  const std::string id = createVolume(h, "grow");
  csi::v1::ControllerExpandVolumeRequest request;
  request.set_volume_id(id);
  request.mutable_capacity_range()->set_required_bytes(3 * kGiB);
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::ControllerExpandVolumeResponse reply;
    const auto status = call(*h.controller, &Stub::ControllerExpandVolume, request, &reply);
    REQUIRE_MESSAGE(status.ok(), describe(status));
    CHECK(reply.capacity_bytes() == 3 * kGiB);
    CHECK(reply.node_expansion_required());
  }
  CHECK(rig.service->inspect(id, Deadline::in(std::chrono::seconds(30))).sizeGiB == 3);
  csi::v1::ControllerExpandVolumeResponse reply;
  auto missing = request;
  missing.set_volume_id("vfs-does-not-exist");
  CHECK_CODE(call(*h.controller, &Stub::ControllerExpandVolume, missing, &reply),
             StatusCode::NOT_FOUND);
  auto noRange = request;
  noRange.clear_capacity_range();
  CHECK_CODE(call(*h.controller, &Stub::ControllerExpandVolume, noRange, &reply),
             StatusCode::INVALID_ARGUMENT);
  auto outOfRange = request;
  outOfRange.mutable_capacity_range()->set_required_bytes(4 * kGiB + 1);
  outOfRange.mutable_capacity_range()->set_limit_bytes(4 * kGiB + 2);
  CHECK_CODE(call(*h.controller, &Stub::ControllerExpandVolume, outOfRange, &reply),
             StatusCode::OUT_OF_RANGE);
}

TEST_CASE("CSI modes: a node-only plugin offers no controller service") {
  FakeServiceRig rig;
  CsiHarness h(rig.service(), rig.tmp.path("csi.sock"), CsiSettings::Mode::Node);
  csi::v1::GetPluginCapabilitiesResponse caps;
  REQUIRE(call(*h.identity, &csi::v1::Identity::Stub::GetPluginCapabilities,
               csi::v1::GetPluginCapabilitiesRequest(), &caps)
              .ok());
  for (const auto &c : caps.capabilities()) CHECK_FALSE(c.has_service());
  csi::v1::ListVolumesResponse reply;
  CHECK_CODE(call(*h.controller, &csi::v1::Controller::Stub::ListVolumes,
                  csi::v1::ListVolumesRequest(), &reply),
             StatusCode::UNIMPLEMENTED);
}
