// CSI topology, capacity, publishing to another node and RESOURCE_EXHAUSTED,
// over a real unix socket, on the fake driver with zones (ABI 1.3
// instance_info and capacity) and on the plain fake without them.
#include "core/csi/CsiTestSupport.h"

#include "csi/CsiTopology.h"

#include <set>

using namespace rexray;
using namespace rexray::testing;
using grpc::StatusCode;
using Controller = csi::v1::Controller::Stub;
using Node = csi::v1::Node::Stub;
using Identity = csi::v1::Identity::Stub;

namespace {

bool hasAccessibilityConstraints(CsiHarness &h) {
  csi::v1::GetPluginCapabilitiesResponse caps;
  REQUIRE(call(*h.identity, &Identity::GetPluginCapabilities,
               csi::v1::GetPluginCapabilitiesRequest(), &caps)
              .ok());
  for (const auto &c : caps.capabilities())
    if (c.has_service() &&
        c.service().type() == csi::v1::PluginCapability::Service::VOLUME_ACCESSIBILITY_CONSTRAINTS)
      return true;
  return false;
}

bool offersCapacity(CsiHarness &h) {
  csi::v1::ControllerGetCapabilitiesResponse caps;
  REQUIRE(call(*h.controller, &Controller::ControllerGetCapabilities,
               csi::v1::ControllerGetCapabilitiesRequest(), &caps)
              .ok());
  for (const auto &c : caps.capabilities())
    if (c.rpc().type() == csi::v1::ControllerServiceCapability::RPC::GET_CAPACITY) return true;
  return false;
}

csi::v1::Topology zone(const std::string &name) {
  csi::v1::Topology t;
  (*t.mutable_segments())[kCsiZoneKey] = name;
  return t;
}

csi::v1::ControllerPublishVolumeRequest publishRequest(const std::string &id,
                                                       const std::string &node) {
  csi::v1::ControllerPublishVolumeRequest r;
  r.set_volume_id(id);
  r.set_node_id(node);
  *r.mutable_volume_capability() = mountCapability();
  return r;
}

} // namespace

TEST_CASE("CSI topology: a driver with zones advertises them - NodeGetInfo names the zone") {
  FakeCsiRig fake(&rxr_test_entry_zoned);
  fake.rig.backend().setMaxAttachments(7);
  CHECK(hasAccessibilityConstraints(fake.harness));
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::NodeGetInfoResponse info;
    REQUIRE(
        call(*fake.harness.node, &Node::NodeGetInfo, csi::v1::NodeGetInfoRequest(), &info).ok());
    CHECK(info.node_id() == "this-host");
    CHECK(info.max_volumes_per_node() == 7);
    REQUIRE(info.has_accessible_topology());
    CHECK(info.accessible_topology().segments().size() == 1);
    CHECK(info.accessible_topology().segments().at(kCsiZoneKey) == "zone-a");
  }
  // Asked once: the instance's place does not change.
  CHECK(fake.rig.backend().calls("instance_info") == 1);
}

TEST_CASE("CSI topology: a driver without zones has none - no constraints, no node topology") {
  FakeCsiRig fake;
  CHECK_FALSE(hasAccessibilityConstraints(fake.harness));
  csi::v1::NodeGetInfoResponse info;
  REQUIRE(call(*fake.harness.node, &Node::NodeGetInfo, csi::v1::NodeGetInfoRequest(), &info).ok());
  CHECK_FALSE(info.has_accessible_topology());
  CHECK(info.max_volumes_per_node() == 0);
  // Requirements are not a driver without zones' to honour: ignored.
  auto create = createRequest("anywhere");
  *create.mutable_accessibility_requirements()->add_requisite() = zone("zone-z");
  csi::v1::CreateVolumeResponse reply;
  CHECK_CODE(call(*fake.harness.controller, &Controller::CreateVolume, create, &reply),
             StatusCode::OK);
  CHECK(reply.volume().accessible_topology().empty());
}

TEST_CASE("CSI CreateVolume: honours the requisite topology - codes per spec") {
  FakeCsiRig fake(&rxr_test_entry_zoned);
  auto &h = fake.harness;
  auto create = createRequest("zoned");
  auto *req = create.mutable_accessibility_requirements();
  *req->add_requisite() = zone("zone-b");
  *req->add_requisite() = zone("zone-a");
  *req->add_preferred() = zone("zone-b");
  std::string id;
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::CreateVolumeResponse reply;
    const auto s = call(*h.controller, &Controller::CreateVolume, create, &reply);
    REQUIRE_MESSAGE(s.ok(), describe(s));
    if (i == 0) id = reply.volume().volume_id();
    CHECK(reply.volume().volume_id() == id);
    REQUIRE(reply.volume().accessible_topology_size() == 1);
    CHECK(reply.volume().accessible_topology(0).segments().at(kCsiZoneKey) == "zone-a");
  }
  REQUIRE(fake.rig.backend().creates().size() == 1);
  CHECK(fake.rig.backend().creates()[0].availabilityZone == "zone-a");

  // ListVolumes shows the same topology.
  csi::v1::ListVolumesResponse listed;
  REQUIRE(
      call(*h.controller, &Controller::ListVolumes, csi::v1::ListVolumesRequest(), &listed).ok());
  REQUIRE(listed.entries_size() == 1);
  CHECK(listed.entries(0).volume().accessible_topology(0).segments().at(kCsiZoneKey) == "zone-a");

  csi::v1::CreateVolumeResponse reply;
  // The same name again, where it is not accessible: incompatible.
  auto elsewhere = create;
  elsewhere.mutable_accessibility_requirements()->clear_requisite();
  elsewhere.mutable_accessibility_requirements()->clear_preferred();
  *elsewhere.mutable_accessibility_requirements()->add_requisite() = zone("zone-b");
  CHECK_CODE(call(*h.controller, &Controller::CreateVolume, elsewhere, &reply),
             StatusCode::ALREADY_EXISTS);
  // A new volume only this controller's zone cannot hold: topology exhausted.
  elsewhere.set_name("zoned-b");
  const auto exhausted = call(*h.controller, &Controller::CreateVolume, elsewhere, &reply);
  CHECK_CODE(exhausted, StatusCode::RESOURCE_EXHAUSTED);
  CHECK(exhausted.error_message().find("zone-a") != std::string::npos);
  CHECK(fake.rig.backend().creates().size() == 1);
  // A zone in the parameters outside the requisite ones: invalid.
  auto conflicting = create;
  conflicting.set_name("conflicting");
  (*conflicting.mutable_parameters())["availabilityZone"] = "zone-c";
  CHECK_CODE(call(*h.controller, &Controller::CreateVolume, conflicting, &reply),
             StatusCode::INVALID_ARGUMENT);
  // A segment key this plugin does not report.
  auto unknownKey = createRequest("unknown-key");
  (*unknownKey.mutable_accessibility_requirements()
        ->add_requisite()
        ->mutable_segments())["kubernetes.io/hostname"] = "n1";
  CHECK_CODE(call(*h.controller, &Controller::CreateVolume, unknownKey, &reply),
             StatusCode::INVALID_ARGUMENT);
  CHECK(fake.rig.backend().creates().size() == 1);
}

TEST_CASE("CSI CreateVolume: a driver out of space or quota is RESOURCE_EXHAUSTED") {
  FakeCsiRig fake;
  fake.rig.backend().failNext("volume_create", RXR_E_EXHAUSTED, "the pool is full");
  csi::v1::CreateVolumeResponse reply;
  const auto s =
      call(*fake.harness.controller, &Controller::CreateVolume, createRequest("full"), &reply);
  CHECK_CODE(s, StatusCode::RESOURCE_EXHAUSTED);
  CHECK(s.error_message().find("the pool is full") != std::string::npos);
}

TEST_CASE("CSI GetCapacity: what the driver reports per zone - unsupported without it") {
  FakeCsiRig fake(&rxr_test_entry_zoned);
  auto &h = fake.harness;
  fake.rig.backend().setCapacity(5 * kGiB);
  CHECK(offersCapacity(h));
  csi::v1::GetCapacityRequest request;
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::GetCapacityResponse reply;
    REQUIRE(call(*h.controller, &Controller::GetCapacity, request, &reply).ok());
    CHECK(reply.available_capacity() == 5 * kGiB);
  }
  csi::v1::GetCapacityResponse reply;
  auto inZone = request;
  *inZone.mutable_accessible_topology() = zone("zone-a");
  REQUIRE(call(*h.controller, &Controller::GetCapacity, inZone, &reply).ok());
  CHECK(reply.available_capacity() == 5 * kGiB);
  *inZone.mutable_accessible_topology() = zone("zone-b"); // not served here
  REQUIRE(call(*h.controller, &Controller::GetCapacity, inZone, &reply).ok());
  CHECK(reply.available_capacity() == 0);
  auto multi = request;
  *multi.add_volume_capabilities() =
      mountCapability(csi::v1::VolumeCapability::AccessMode::MULTI_NODE_MULTI_WRITER);
  REQUIRE(call(*h.controller, &Controller::GetCapacity, multi, &reply).ok());
  CHECK(reply.available_capacity() == 0); // no such volume can be made
  auto badKey = request;
  (*badKey.mutable_accessible_topology()->mutable_segments())["rack"] = "r1";
  CHECK_CODE(call(*h.controller, &Controller::GetCapacity, badKey, &reply),
             StatusCode::INVALID_ARGUMENT);

  FakeServiceRig plainRig;
  CsiHarness plain(plainRig.service(), plainRig.tmp.path("plain.sock"));
  CHECK_FALSE(offersCapacity(plain));
  CHECK_CODE(call(*plain.controller, &Controller::GetCapacity, request, &reply),
             StatusCode::UNIMPLEMENTED);
}

TEST_CASE("CSI ControllerPublish: to another node the driver knows - codes per spec") {
  FakeCsiRig fake(&rxr_test_entry_zoned);
  auto &h = fake.harness;
  auto &backend = fake.rig.backend();
  backend.addVolume("vol-1", "one");
  backend.addVolume("vol-2", "two");
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::ControllerPublishVolumeResponse reply;
    const auto s = call(*h.controller, &Controller::ControllerPublishVolume,
                        publishRequest("vol-1", "other-host"), &reply);
    REQUIRE_MESSAGE(s.ok(), describe(s));
    CHECK_FALSE(reply.publish_context().at("device").empty());
  }
  CHECK(backend.volume("vol-1")->attachedInstanceId == "other-host");
  REQUIRE(backend.attaches().size() == 1); // the repeats found it done
  CHECK(backend.attaches()[0].instanceId == "other-host");
  // Nothing was recorded on this host for another's attachment.
  CHECK_FALSE(fake.rig.state->attachment("fake", "vol-1").has_value());

  csi::v1::ControllerPublishVolumeResponse reply;
  // Published on another node: FAILED_PRECONDITION naming that node.
  const auto taken = call(*h.controller, &Controller::ControllerPublishVolume,
                          publishRequest("vol-1", "this-host"), &reply);
  CHECK_CODE(taken, StatusCode::FAILED_PRECONDITION);
  CHECK(taken.error_message().find("other-host") != std::string::npos);
  // A node the driver does not know.
  CHECK_CODE(call(*h.controller, &Controller::ControllerPublishVolume,
                  publishRequest("vol-2", "no-such-host"), &reply),
             StatusCode::NOT_FOUND);
  CHECK_FALSE(backend.volume("vol-2")->attachedInstanceId.size());

  // Unpublish from that node detaches, repeatably.
  csi::v1::ControllerUnpublishVolumeRequest unpublish;
  unpublish.set_volume_id("vol-1");
  unpublish.set_node_id("other-host");
  for (int i = 0; i < kRepeats; ++i) {
    csi::v1::ControllerUnpublishVolumeResponse done;
    CHECK_CODE(call(*h.controller, &Controller::ControllerUnpublishVolume, unpublish, &done),
               StatusCode::OK);
  }
  CHECK(backend.volume("vol-1")->attachedInstanceId.empty());
}

TEST_CASE("CSI ControllerPublish: the attach limit reached is RESOURCE_EXHAUSTED") {
  SUBCASE("the driver's limit") {
    FakeCsiRig fake(&rxr_test_entry_zoned);
    fake.rig.backend().setMaxAttachments(2);
    for (const char *id : {"vol-1", "vol-2", "vol-3"}) fake.rig.backend().addVolume(id, id);
    csi::v1::ControllerPublishVolumeResponse reply;
    for (const char *id : {"vol-1", "vol-2"})
      CHECK_CODE(call(*fake.harness.controller, &Controller::ControllerPublishVolume,
                      publishRequest(id, "other-host"), &reply),
                 StatusCode::OK);
    const auto full = call(*fake.harness.controller, &Controller::ControllerPublishVolume,
                           publishRequest("vol-3", "other-host"), &reply);
    CHECK_CODE(full, StatusCode::RESOURCE_EXHAUSTED);
    CHECK(full.error_message().find("its limit (2)") != std::string::npos);
    // Another node has room; a repeat of a publish done is still done.
    CHECK_CODE(call(*fake.harness.controller, &Controller::ControllerPublishVolume,
                    publishRequest("vol-3", "this-host"), &reply),
               StatusCode::OK);
    CHECK_CODE(call(*fake.harness.controller, &Controller::ControllerPublishVolume,
                    publishRequest("vol-1", "other-host"), &reply),
               StatusCode::OK);
  }
  SUBCASE("rexray.csi.maxVolumesPerNode lowers it") {
    FakeCsiRig fake(&rxr_test_entry_zoned, 1);
    fake.rig.backend().setMaxAttachments(2);
    csi::v1::NodeGetInfoResponse info;
    REQUIRE(
        call(*fake.harness.node, &Node::NodeGetInfo, csi::v1::NodeGetInfoRequest(), &info).ok());
    CHECK(info.max_volumes_per_node() == 1);
    for (const char *id : {"vol-1", "vol-2"}) fake.rig.backend().addVolume(id, id);
    csi::v1::ControllerPublishVolumeResponse reply;
    CHECK_CODE(call(*fake.harness.controller, &Controller::ControllerPublishVolume,
                    publishRequest("vol-1", "this-host"), &reply),
               StatusCode::OK);
    CHECK_CODE(call(*fake.harness.controller, &Controller::ControllerPublishVolume,
                    publishRequest("vol-2", "this-host"), &reply),
               StatusCode::RESOURCE_EXHAUSTED);
  }
  SUBCASE("the backend's own refusal") {
    FakeCsiRig fake;
    fake.rig.backend().addVolume("vol-1", "one");
    fake.rig.backend().failNext("volume_attach", RXR_E_EXHAUSTED, "attachment limit exceeded");
    csi::v1::ControllerPublishVolumeResponse reply;
    CHECK_CODE(call(*fake.harness.controller, &Controller::ControllerPublishVolume,
                    publishRequest("vol-1", "this-host"), &reply),
               StatusCode::RESOURCE_EXHAUSTED);
  }
}
