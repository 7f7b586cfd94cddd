// A CSI client for the integration tests: drives a running plugin (the
// daemon's CSI socket) through a volume's whole life the way an orchestrator
// does, each step repeated as csi-sanity repeats it, with real data written
// through the published path, and prints one "ok - ..." / "FAIL - ..." line
// per check. Exits 1 when any check failed.
//
//   rexray_csi_check --endpoint SOCKET --work DIR --plugin NAME [--fs TYPE]
//                    [--zone ZONE] [--capacity yes|no] [--other-node ID]
//
// DIR receives the staging and target paths (and is left empty). The
// volume's ID is printed as "volume-id: ID" for the caller's own checks.
// --zone: the node's zone the plugin must report (topology; "" or absent =
// the plugin has no topology); the volume is then created with the node's
// topology as its requisite, as a CO does. --capacity: whether GetCapacity
// is offered. --other-node: another node the driver attaches to (the
// volume is published there too). Every error code the spec names that a
// client can provoke is checked; the attach limit (max_volumes_per_node,
// which must be set) on the other node, else on this one.
#include "csi.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace {

constexpr int kRepeats = 10;
constexpr int64_t kGiB = int64_t(1) << 30;

int failures = 0;

bool check(const std::string &what, bool ok, const std::string &detail = "") {
  std::cout << (ok ? "ok - " : "FAIL - ") << what;
  if (!ok && !detail.empty()) std::cout << " (" << detail << ")";
  std::cout << std::endl;
  if (!ok) ++failures;
  return ok;
}

std::string text(const grpc::Status &s) {
  return "code " + std::to_string(static_cast<int>(s.error_code())) + ": " + s.error_message();
}

// One call that must fail with `code`.
template <typename Stub, typename Method, typename Request, typename Reply>
bool fails(const std::string &what, grpc::StatusCode code, Stub &stub, Method method,
           const Request &request, Reply *reply, const std::string &mentions = "") {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  const grpc::Status s = (stub.*method)(&context, request, reply);
  return check(what,
               s.error_code() == code && s.error_message().find(mentions) != std::string::npos,
               text(s));
}

template <typename Stub, typename Method, typename Request, typename Reply>
grpc::Status call(Stub &stub, Method method, const Request &request, Reply *reply) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  return (stub.*method)(&context, request, reply);
}

// Calls `kRepeats` times; every answer must be OK. Returns the last reply.
template <typename Stub, typename Method, typename Request, typename Reply>
bool repeated(const std::string &what, Stub &stub, Method method, const Request &request,
              Reply *reply) {
  for (int i = 0; i < kRepeats; ++i) {
    const grpc::Status s = call(stub, method, request, reply);
    if (!s.ok()) return check(what + " (" + std::to_string(kRepeats) + " times)", false, text(s));
  }
  return check(what + " (" + std::to_string(kRepeats) + " times)", true);
}

csi::v1::VolumeCapability capability(const std::string &fsType) {
  csi::v1::VolumeCapability c;
  c.mutable_mount()->set_fs_type(fsType);
  c.mutable_access_mode()->set_mode(csi::v1::VolumeCapability::AccessMode::SINGLE_NODE_WRITER);
  return c;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int64_t totalBytes(csi::v1::Node::Stub &node, const std::string &id, const std::string &path) {
  csi::v1::NodeGetVolumeStatsRequest r;
  r.set_volume_id(id);
  r.set_volume_path(path);
  csi::v1::NodeGetVolumeStatsResponse stats;
  if (!call(node, &csi::v1::Node::Stub::NodeGetVolumeStats, r, &stats).ok() ||
      stats.usage_size() == 0)
    return -1;
  return stats.usage(0).total();
}

// The attach limit: publishing one more volume than max_volumes_per_node
// to `node` ends in RESOURCE_EXHAUSTED (volumes already attached there
// count, so it may come earlier), and never after more than the limit.
void attachLimit(csi::v1::Controller::Stub &controller, const std::string &node, int64_t limit,
                 const std::string &prefix, const std::string &fsType) {
  using C = csi::v1::Controller::Stub;
  std::vector<std::string> ids;
  for (int64_t i = 0; i <= limit; ++i) {
    csi::v1::CreateVolumeRequest create;
    create.set_name(prefix + "-limit-" + std::to_string(i));
    create.mutable_capacity_range()->set_required_bytes(kGiB);
    *create.add_volume_capabilities() = capability(fsType);
    csi::v1::CreateVolumeResponse created;
    const grpc::Status s = call(controller, &C::CreateVolume, create, &created);
    if (!check("attach limit: CreateVolume " + create.name(), s.ok(), text(s))) break;
    ids.push_back(created.volume().volume_id());
  }
  int64_t published = 0;
  grpc::Status refused;
  for (const auto &id : ids) {
    csi::v1::ControllerPublishVolumeRequest publish;
    publish.set_volume_id(id);
    publish.set_node_id(node);
    *publish.mutable_volume_capability() = capability(fsType);
    csi::v1::ControllerPublishVolumeResponse reply;
    refused = call(controller, &C::ControllerPublishVolume, publish, &reply);
    if (!refused.ok()) break;
    ++published;
  }
  check("ControllerPublishVolume beyond max_volumes_per_node (" + std::to_string(limit) +
            ") on node " + node + ": RESOURCE_EXHAUSTED after " + std::to_string(published),
        !refused.ok() && refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
            published <= limit,
        text(refused));
  for (const auto &id : ids) {
    csi::v1::ControllerUnpublishVolumeRequest unpublish;
    unpublish.set_volume_id(id);
    unpublish.set_node_id(node);
    csi::v1::ControllerUnpublishVolumeResponse unpublished;
    const grpc::Status u = call(controller, &C::ControllerUnpublishVolume, unpublish, &unpublished);
    csi::v1::DeleteVolumeRequest remove;
    remove.set_volume_id(id);
    csi::v1::DeleteVolumeResponse removed;
    const grpc::Status d = call(controller, &C::DeleteVolume, remove, &removed);
    check("attach limit: unpublish and delete " + id, u.ok() && d.ok(), text(u) + "; " + text(d));
  }
}

} // namespace

int main(int argc, char **argv) {
  std::map<std::string, std::string> args = {
      {"--fs", "ext4"}, {"--zone", ""}, {"--capacity", "no"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (!args.count("--endpoint") || !args.count("--work") || !args.count("--plugin")) {
    std::cerr << "usage: rexray_csi_check --endpoint SOCKET --work DIR --plugin NAME [--fs TYPE]"
                 " [--zone ZONE] [--capacity yes|no] [--other-node ID]\n";
    return 2;
  }
  const std::string work = args["--work"], fsType = args["--fs"], zone = args["--zone"];
  const std::string otherNode = args.count("--other-node") ? args["--other-node"] : "";
  const bool capacity = args["--capacity"] == "yes";
  auto channel =
      grpc::CreateChannel("unix:" + args["--endpoint"], grpc::InsecureChannelCredentials());
  auto identity = csi::v1::Identity::NewStub(channel);
  auto controller = csi::v1::Controller::NewStub(channel);
  auto node = csi::v1::Node::NewStub(channel);
  using C = csi::v1::Controller::Stub;
  using N = csi::v1::Node::Stub;
  const std::string zoneKey = "topology.rexray.io/zone";

  csi::v1::GetPluginInfoResponse info;
  grpc::Status s = call(*identity, &csi::v1::Identity::Stub::GetPluginInfo,
                        csi::v1::GetPluginInfoRequest(), &info);
  check("GetPluginInfo names " + args["--plugin"], s.ok() && info.name() == args["--plugin"],
        s.ok() ? info.name() : text(s));
  csi::v1::ProbeResponse probe;
  s = call(*identity, &csi::v1::Identity::Stub::Probe, csi::v1::ProbeRequest(), &probe);
  check("Probe: ready", s.ok() && probe.ready().value(), text(s));
  csi::v1::GetPluginCapabilitiesResponse pluginCaps;
  s = call(*identity, &csi::v1::Identity::Stub::GetPluginCapabilities,
           csi::v1::GetPluginCapabilitiesRequest(), &pluginCaps);
  bool constraints = false;
  for (const auto &c : pluginCaps.capabilities())
    constraints =
        constraints || (c.has_service() &&
                        c.service().type() ==
                            csi::v1::PluginCapability::Service::VOLUME_ACCESSIBILITY_CONSTRAINTS);
  check(std::string("GetPluginCapabilities: VOLUME_ACCESSIBILITY_CONSTRAINTS ") +
            (zone.empty() ? "not offered (no zones)" : "offered"),
        s.ok() && constraints == !zone.empty(), text(s));
  csi::v1::NodeGetInfoResponse nodeInfo;
  s = call(*node, &N::NodeGetInfo, csi::v1::NodeGetInfoRequest(), &nodeInfo);
  if (!check("NodeGetInfo gives a node ID", s.ok() && !nodeInfo.node_id().empty(), text(s)))
    return 1;
  if (zone.empty()) {
    check("NodeGetInfo: no accessible_topology", !nodeInfo.has_accessible_topology());
  } else {
    const auto &segments = nodeInfo.accessible_topology().segments();
    check("NodeGetInfo: accessible_topology is zone " + zone,
          segments.size() == 1 && segments.count(zoneKey) && segments.at(zoneKey) == zone);
  }

  csi::v1::ControllerGetCapabilitiesResponse controllerCaps;
  s = call(*controller, &C::ControllerGetCapabilities, csi::v1::ControllerGetCapabilitiesRequest(),
           &controllerCaps);
  bool getCapacity = false;
  for (const auto &c : controllerCaps.capabilities())
    getCapacity =
        getCapacity || c.rpc().type() == csi::v1::ControllerServiceCapability::RPC::GET_CAPACITY;
  check(std::string("ControllerGetCapabilities: GET_CAPACITY ") +
            (capacity ? "offered" : "not offered"),
        s.ok() && getCapacity == capacity, text(s));
  csi::v1::GetCapacityResponse free;
  s = call(*controller, &C::GetCapacity, csi::v1::GetCapacityRequest(), &free);
  if (capacity)
    check("GetCapacity: some bytes available", s.ok() && free.available_capacity() > 0, text(s));
  else
    check("GetCapacity: UNIMPLEMENTED", s.error_code() == grpc::StatusCode::UNIMPLEMENTED, text(s));

  csi::v1::CreateVolumeRequest create;
  create.set_name("csi-check-" + std::to_string(::getpid()));
  create.mutable_capacity_range()->set_required_bytes(kGiB);
  *create.add_volume_capabilities() = capability(fsType);
  // As a CO does with a delayed binding: the chosen node's topology.
  if (nodeInfo.has_accessible_topology())
    *create.mutable_accessibility_requirements()->add_requisite() = nodeInfo.accessible_topology();
  csi::v1::CreateVolumeResponse created;
  if (!repeated("CreateVolume of 1 GiB", *controller, &C::CreateVolume, create, &created)) return 1;
  const std::string id = created.volume().volume_id();
  std::cout << "volume-id: " << id << std::endl;
  check("... of 1 GiB", created.volume().capacity_bytes() == kGiB);
  if (zone.empty()) {
    check("... with no accessible_topology", created.volume().accessible_topology().empty());
  } else {
    const auto &topology = created.volume().accessible_topology();
    check("... accessible in zone " + zone, topology.size() == 1 &&
                                                topology[0].segments().count(zoneKey) &&
                                                topology[0].segments().at(zoneKey) == zone);
  }

  // ---- codes for bad and conflicting CreateVolume requests ----
  csi::v1::CreateVolumeResponse refused;
  auto noName = create;
  noName.clear_name();
  fails("CreateVolume without a name: INVALID_ARGUMENT", grpc::StatusCode::INVALID_ARGUMENT,
        *controller, &C::CreateVolume, noName, &refused, "name");
  auto noCaps = create;
  noCaps.clear_volume_capabilities();
  fails("CreateVolume without volume_capabilities: INVALID_ARGUMENT",
        grpc::StatusCode::INVALID_ARGUMENT, *controller, &C::CreateVolume, noCaps, &refused,
        "volume_capabilities");
  auto larger = create;
  larger.mutable_capacity_range()->set_required_bytes(5 * kGiB);
  fails("CreateVolume of the same name and 5 GiB: ALREADY_EXISTS", grpc::StatusCode::ALREADY_EXISTS,
        *controller, &C::CreateVolume, larger, &refused);
  auto between = create;
  between.set_name(create.name() + "-between");
  between.mutable_capacity_range()->set_required_bytes(kGiB + kGiB / 2);
  between.mutable_capacity_range()->set_limit_bytes(kGiB + kGiB * 3 / 4);
  fails("CreateVolume with no whole GiB in its capacity range: OUT_OF_RANGE",
        grpc::StatusCode::OUT_OF_RANGE, *controller, &C::CreateVolume, between, &refused);
  auto fromNothing = create;
  fromNothing.set_name(create.name() + "-restored");
  fromNothing.mutable_volume_content_source()->mutable_snapshot()->set_snapshot_id(
      args["--plugin"] == "rexray.ebs" ? "snap-0123456789abcdef0" : "vfs-snap-missing");
  fails("CreateVolume from a missing snapshot: NOT_FOUND", grpc::StatusCode::NOT_FOUND, *controller,
        &C::CreateVolume, fromNothing, &refused);
  if (!zone.empty()) {
    auto elsewhere = create;
    elsewhere.set_name(create.name() + "-elsewhere");
    elsewhere.clear_accessibility_requirements();
    csi::v1::Topology other;
    (*other.mutable_segments())[zoneKey] = zone + "-elsewhere";
    *elsewhere.mutable_accessibility_requirements()->add_requisite() = other;
    fails("CreateVolume in a requisite zone this controller cannot serve: RESOURCE_EXHAUSTED",
          grpc::StatusCode::RESOURCE_EXHAUSTED, *controller, &C::CreateVolume, elsewhere, &refused,
          zone);
    auto badKey = elsewhere;
    badKey.clear_accessibility_requirements();
    (*badKey.mutable_accessibility_requirements()->add_requisite()->mutable_segments())["rack"] =
        "r1";
    fails("CreateVolume with a topology key the plugin does not report: INVALID_ARGUMENT",
          grpc::StatusCode::INVALID_ARGUMENT, *controller, &C::CreateVolume, badKey, &refused,
          "rack");
  }

  csi::v1::ControllerPublishVolumeRequest attach;
  attach.set_volume_id(id);
  attach.set_node_id(nodeInfo.node_id());
  *attach.mutable_volume_capability() = capability(fsType);
  csi::v1::ControllerPublishVolumeResponse attached;
  auto noNode = attach;
  noNode.clear_node_id();
  fails("ControllerPublishVolume without node_id: INVALID_ARGUMENT",
        grpc::StatusCode::INVALID_ARGUMENT, *controller, &C::ControllerPublishVolume, noNode,
        &attached, "node_id");
  auto nowhere = attach;
  nowhere.set_node_id(args["--plugin"] == "rexray.ebs" ? "i-0000000000deadbee" : "no-such-node");
  fails("ControllerPublishVolume to a node the driver does not know: NOT_FOUND",
        grpc::StatusCode::NOT_FOUND, *controller, &C::ControllerPublishVolume, nowhere, &attached);
  repeated("ControllerPublishVolume to this node", *controller, &C::ControllerPublishVolume, attach,
           &attached);
  csi::v1::DeleteVolumeRequest removeInUse;
  removeInUse.set_volume_id(id);
  csi::v1::DeleteVolumeResponse removedInUse;
  fails("DeleteVolume of a published volume: FAILED_PRECONDITION",
        grpc::StatusCode::FAILED_PRECONDITION, *controller, &C::DeleteVolume, removeInUse,
        &removedInUse);
  if (!otherNode.empty()) {
    auto there = attach;
    there.set_node_id(otherNode);
    fails("ControllerPublishVolume to another node while published here: FAILED_PRECONDITION "
          "naming this node",
          grpc::StatusCode::FAILED_PRECONDITION, *controller, &C::ControllerPublishVolume, there,
          &attached, nodeInfo.node_id());
  }

  const std::string staging = work + "/staging", target = work + "/target";
  ::mkdir(staging.c_str(), 0750); // the orchestrator makes the staging directory
  csi::v1::NodePublishVolumeRequest early;
  early.set_volume_id(id);
  early.set_staging_target_path(staging);
  early.set_target_path(target);
  *early.mutable_volume_capability() = capability(fsType);
  csi::v1::NodePublishVolumeResponse earlyReply;
  fails("NodePublishVolume before NodeStageVolume: FAILED_PRECONDITION",
        grpc::StatusCode::FAILED_PRECONDITION, *node, &N::NodePublishVolume, early, &earlyReply);
  csi::v1::NodeStageVolumeRequest stage;
  stage.set_volume_id(id);
  stage.set_staging_target_path(staging);
  *stage.mutable_volume_capability() = capability(fsType);
  csi::v1::NodeStageVolumeResponse staged;
  auto noPath = stage;
  noPath.clear_staging_target_path();
  fails("NodeStageVolume without staging_target_path: INVALID_ARGUMENT",
        grpc::StatusCode::INVALID_ARGUMENT, *node, &N::NodeStageVolume, noPath, &staged,
        "staging_target_path");
  auto missingStage = stage;
  missingStage.set_volume_id(args["--plugin"] == "rexray.ebs" ? "vol-0123456789abcdef0"
                                                              : "vfs-0000000000000000");
  fails("NodeStageVolume of a missing volume: NOT_FOUND", grpc::StatusCode::NOT_FOUND, *node,
        &N::NodeStageVolume, missingStage, &staged);
  repeated("NodeStageVolume (" + fsType + ")", *node, &N::NodeStageVolume, stage, &staged);
  csi::v1::NodePublishVolumeRequest publish;
  publish.set_volume_id(id);
  publish.set_staging_target_path(staging);
  publish.set_target_path(target);
  *publish.mutable_volume_capability() = capability(fsType);
  csi::v1::NodePublishVolumeResponse published;
  repeated("NodePublishVolume", *node, &N::NodePublishVolume, publish, &published);
  {
    std::ofstream out(target + "/data.txt");
    out << "through csi";
  }
  check("data written through the target reads back through the staging path",
        readFile(staging + "/data.txt") == "through csi");
  const int64_t before = totalBytes(*node, id, target);
  check("NodeGetVolumeStats: a 1 GiB file system", before > kGiB * 8 / 10 && before <= kGiB,
        std::to_string(before));

  csi::v1::ControllerExpandVolumeRequest grow;
  grow.set_volume_id(id);
  grow.mutable_capacity_range()->set_required_bytes(2 * kGiB);
  csi::v1::ControllerExpandVolumeResponse grown;
  repeated("ControllerExpandVolume to 2 GiB", *controller, &C::ControllerExpandVolume, grow,
           &grown);
  check("... capacity 2 GiB, node expansion required",
        grown.capacity_bytes() == 2 * kGiB && grown.node_expansion_required());
  csi::v1::NodeExpandVolumeRequest expand;
  expand.set_volume_id(id);
  expand.set_volume_path(target);
  expand.mutable_capacity_range()->set_required_bytes(2 * kGiB);
  csi::v1::NodeExpandVolumeResponse expanded;
  repeated("NodeExpandVolume", *node, &N::NodeExpandVolume, expand, &expanded);
  const int64_t after = totalBytes(*node, id, target);
  check("... the mounted file system grew by about 1 GiB", after > before + kGiB * 8 / 10,
        std::to_string(before) + " -> " + std::to_string(after));
  check("... and kept its data", readFile(target + "/data.txt") == "through csi");
  auto beyond = expand;
  beyond.mutable_capacity_range()->set_required_bytes(3 * kGiB);
  fails("NodeExpandVolume beyond the volume's size: OUT_OF_RANGE", grpc::StatusCode::OUT_OF_RANGE,
        *node, &N::NodeExpandVolume, beyond, &expanded);

  csi::v1::NodeUnpublishVolumeRequest unpublish;
  unpublish.set_volume_id(id);
  unpublish.set_target_path(target);
  csi::v1::NodeUnpublishVolumeResponse unpublished;
  repeated("NodeUnpublishVolume", *node, &N::NodeUnpublishVolume, unpublish, &unpublished);
  struct stat st {};
  check("... removed the target", ::stat(target.c_str(), &st) != 0);
  csi::v1::NodeUnstageVolumeRequest unstage;
  unstage.set_volume_id(id);
  unstage.set_staging_target_path(staging);
  csi::v1::NodeUnstageVolumeResponse unstaged;
  repeated("NodeUnstageVolume", *node, &N::NodeUnstageVolume, unstage, &unstaged);
  ::rmdir(staging.c_str());
  csi::v1::ControllerUnpublishVolumeRequest detach;
  detach.set_volume_id(id);
  detach.set_node_id(nodeInfo.node_id());
  csi::v1::ControllerUnpublishVolumeResponse detached;
  repeated("ControllerUnpublishVolume", *controller, &C::ControllerUnpublishVolume, detach,
           &detached);

  if (!otherNode.empty()) {
    auto there = attach;
    there.set_node_id(otherNode);
    repeated("ControllerPublishVolume to another node (" + otherNode + ")", *controller,
             &C::ControllerPublishVolume, there, &attached);
    check("... publish_context names the device there", !attached.publish_context().empty());
    fails("ControllerPublishVolume to this node while published there: FAILED_PRECONDITION "
          "naming that node",
          grpc::StatusCode::FAILED_PRECONDITION, *controller, &C::ControllerPublishVolume, attach,
          &attached, otherNode);
    auto detachThere = detach;
    detachThere.set_node_id(otherNode);
    repeated("ControllerUnpublishVolume from that node", *controller, &C::ControllerUnpublishVolume,
             detachThere, &detached);
  }
  if (check("NodeGetInfo: max_volumes_per_node is set",
            nodeInfo.max_volumes_per_node() > 0 && nodeInfo.max_volumes_per_node() < 10,
            std::to_string(nodeInfo.max_volumes_per_node())))
    attachLimit(*controller, otherNode.empty() ? nodeInfo.node_id() : otherNode,
                nodeInfo.max_volumes_per_node(), create.name(), fsType);

  csi::v1::CreateSnapshotRequest snap;
  snap.set_name(create.name() + "-snap");
  snap.set_source_volume_id(id);
  csi::v1::CreateSnapshotResponse snapped;
  repeated("CreateSnapshot", *controller, &C::CreateSnapshot, snap, &snapped);
  csi::v1::ListSnapshotsRequest bySource;
  bySource.set_source_volume_id(id);
  csi::v1::ListSnapshotsResponse listed;
  s = call(*controller, &C::ListSnapshots, bySource, &listed);
  check("ListSnapshots by source finds it",
        s.ok() && listed.entries_size() == 1 &&
            listed.entries(0).snapshot().snapshot_id() == snapped.snapshot().snapshot_id(),
        text(s));
  csi::v1::DeleteSnapshotRequest unsnap;
  unsnap.set_snapshot_id(snapped.snapshot().snapshot_id());
  csi::v1::DeleteSnapshotResponse unsnapped;
  repeated("DeleteSnapshot", *controller, &C::DeleteSnapshot, unsnap, &unsnapped);

  csi::v1::ListVolumesRequest badToken;
  badToken.set_starting_token("no-such-token");
  csi::v1::ListVolumesResponse volumes;
  s = call(*controller, &C::ListVolumes, badToken, &volumes);
  check("ListVolumes with a token it never gave: ABORTED",
        s.error_code() == grpc::StatusCode::ABORTED, text(s));
  csi::v1::ControllerPublishVolumeRequest missing = attach;
  missing.set_volume_id(id + "0");
  s = call(*controller, &C::ControllerPublishVolume, missing, &attached);
  check("ControllerPublishVolume of a missing volume: NOT_FOUND",
        s.error_code() == grpc::StatusCode::NOT_FOUND, text(s));

  csi::v1::DeleteVolumeRequest remove;
  csi::v1::DeleteVolumeResponse removed;
  fails("DeleteVolume without volume_id: INVALID_ARGUMENT", grpc::StatusCode::INVALID_ARGUMENT,
        *controller, &C::DeleteVolume, remove, &removed, "volume_id");
  remove.set_volume_id(id);
  repeated("DeleteVolume", *controller, &C::DeleteVolume, remove, &removed);
  std::cout << failures << " failed" << std::endl;
  return failures ? 1 : 0;
}
