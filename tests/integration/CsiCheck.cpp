// A CSI client for the integration tests: drives a running plugin (the
// daemon's CSI socket) through a volume's whole life the way an orchestrator
// does, each step repeated as csi-sanity repeats it, with real data written
// through the published path, and prints one "ok - ..." / "FAIL - ..." line
// per check. Exits 1 when any check failed.
//
//   rexray_csi_check --endpoint SOCKET --work DIR --plugin NAME [--fs TYPE]
//
// DIR receives the staging and target paths (and is left empty). The
// volume's ID is printed as "volume-id: ID" for the caller's own checks.
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

} // namespace

int main(int argc, char **argv) {
  std::map<std::string, std::string> args = {{"--fs", "ext4"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (!args.count("--endpoint") || !args.count("--work") || !args.count("--plugin")) {
    std::cerr << "usage: rexray_csi_check --endpoint SOCKET --work DIR --plugin NAME [--fs TYPE]\n";
    return 2;
  }
  const std::string work = args["--work"], fsType = args["--fs"];
  auto channel =
      grpc::CreateChannel("unix:" + args["--endpoint"], grpc::InsecureChannelCredentials());
  auto identity = csi::v1::Identity::NewStub(channel);
  auto controller = csi::v1::Controller::NewStub(channel);
  auto node = csi::v1::Node::NewStub(channel);
  using C = csi::v1::Controller::Stub;
  using N = csi::v1::Node::Stub;

  csi::v1::GetPluginInfoResponse info;
  grpc::Status s = call(*identity, &csi::v1::Identity::Stub::GetPluginInfo,
                        csi::v1::GetPluginInfoRequest(), &info);
  check("GetPluginInfo names " + args["--plugin"], s.ok() && info.name() == args["--plugin"],
        s.ok() ? info.name() : text(s));
  csi::v1::ProbeResponse probe;
  s = call(*identity, &csi::v1::Identity::Stub::Probe, csi::v1::ProbeRequest(), &probe);
  check("Probe: ready", s.ok() && probe.ready().value(), text(s));
  csi::v1::NodeGetInfoResponse nodeInfo;
  s = call(*node, &N::NodeGetInfo, csi::v1::NodeGetInfoRequest(), &nodeInfo);
  if (!check("NodeGetInfo gives a node ID", s.ok() && !nodeInfo.node_id().empty(), text(s)))
    return 1;

  csi::v1::CreateVolumeRequest create;
  create.set_name("csi-check-" + std::to_string(::getpid()));
  create.mutable_capacity_range()->set_required_bytes(kGiB);
  *create.add_volume_capabilities() = capability(fsType);
  csi::v1::CreateVolumeResponse created;
  if (!repeated("CreateVolume of 1 GiB", *controller, &C::CreateVolume, create, &created)) return 1;
  const std::string id = created.volume().volume_id();
  std::cout << "volume-id: " << id << std::endl;
  check("... of 1 GiB", created.volume().capacity_bytes() == kGiB);

  csi::v1::ControllerPublishVolumeRequest attach;
  attach.set_volume_id(id);
  attach.set_node_id(nodeInfo.node_id());
  *attach.mutable_volume_capability() = capability(fsType);
  csi::v1::ControllerPublishVolumeResponse attached;
  repeated("ControllerPublishVolume to this node", *controller, &C::ControllerPublishVolume, attach,
           &attached);

  const std::string staging = work + "/staging", target = work + "/target";
  ::mkdir(staging.c_str(), 0750); // the orchestrator makes the staging directory
  csi::v1::NodeStageVolumeRequest stage;
  stage.set_volume_id(id);
  stage.set_staging_target_path(staging);
  *stage.mutable_volume_capability() = capability(fsType);
  csi::v1::NodeStageVolumeResponse staged;
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
  remove.set_volume_id(id);
  csi::v1::DeleteVolumeResponse removed;
  repeated("DeleteVolume", *controller, &C::DeleteVolume, remove, &removed);
  std::cout << failures << " failed" << std::endl;
  return failures ? 1 : 0;
}
