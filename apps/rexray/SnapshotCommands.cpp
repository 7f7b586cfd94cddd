#include "Backend.h"
#include "Commands.h"
#include "Output.h"
#include "Progress.h"

#include "util/Error.h"

#include <iostream>

namespace rexray::cli {
namespace {

std::string argOr(const Invocation &inv, size_t index, const std::string &option) {
  if (inv.args.size() > index) return inv.args[index];
  return inv.get(option);
}

std::string required(const std::string &value, const std::string &what) {
  if (value.empty()) throw UsageError(what + " is required; see --help");
  return value;
}

int listSnapshots(Invocation &inv) {
  auto svc = makeBackend(inv);
  auto snapshots = svc->snapshots(argOr(inv, 0, "volumeID"));
  const std::string id = inv.get("snapshotID"), name = inv.get("snapshotName");
  std::vector<Snapshot> shown;
  for (const auto &s : snapshots)
    if ((id.empty() || s.id == id) && (name.empty() || s.name == name)) shown.push_back(s);
  Output(std::cout, inv).snapshots(shown);
  return kExitOk;
}

int createSnapshot(Invocation &inv) {
  auto svc = makeBackend(inv);
  const std::string volume =
      required(argOr(inv, 0, "volumeID"), "the volume (VOLUME or --volumeid)");
  const std::string name =
      required(argOr(inv, 1, "snapshotName"), "the snapshot name (NAME or --snapshotname)");
  Snapshot made;
  {
    Progress progress("snapshotting " + volume + " as " + name + ": waiting for the backend");
    made = svc->createSnapshot(volume, name, inv.get("description"));
  }
  Output(std::cout, inv).snapshot(made);
  return kExitOk;
}

int removeSnapshot(Invocation &inv) {
  makeBackend(inv)->removeSnapshot(
      required(argOr(inv, 0, "snapshotID"), "the snapshot (SNAPSHOT or --snapshotid)"));
  return kExitOk;
}

int copySnapshot(Invocation &inv) {
  auto svc = makeBackend(inv);
  std::string source = argOr(inv, 0, "snapshotID");
  if (source.empty()) source = inv.get("snapshotName");
  required(source, "the snapshot (SNAPSHOT or --snapshotid)");
  const std::string dest = required(argOr(inv, 1, "destinationSnapshotName"),
                                    "the new name (NAME or --destinationsnapshotname)");
  Snapshot copy;
  {
    Progress progress("copying snapshot " + source + " to " + dest + ": waiting for the backend");
    copy = svc->copySnapshot(source, dest, inv.get("destinationRegion"));
  }
  Output(std::cout, inv).snapshot(copy);
  return kExitOk;
}

const OptionSpec kVolumeId{{"volumeID", "volumeid"}, true, "the volume (0.3 form)"};
const OptionSpec kSnapshotId{{"snapshotID", "snapshotid"}, true, "the snapshot's ID (0.3 form)"};
const OptionSpec kSnapshotName{{"snapshotName", "snapshotname"}, true, "the snapshot's name"};

} // namespace

void addSnapshotCommands(CommandLine &cli) {
  cli.add({{"snapshot", "ls"},
           {"get", "list", "l"},
           "[VOLUME]",
           "List snapshots, all or of one volume",
           {kVolumeId, kSnapshotId, kSnapshotName},
           listSnapshots});
  cli.add({{"snapshot", "create"},
           {"new", "c"},
           "VOLUME NAME",
           "Snapshot a volume",
           {kVolumeId, kSnapshotName, {{"description"}, true, "a description"}},
           createSnapshot});
  cli.add({{"snapshot", "rm"},
           {"remove", "r", "delete"},
           "SNAPSHOT",
           "Remove a snapshot (ID or name)",
           {kSnapshotId},
           removeSnapshot});
  cli.add({{"snapshot", "copy"},
           {"cp"},
           "SNAPSHOT NAME",
           "Copy a snapshot under a new name (to another region where the backend has them)",
           {kSnapshotId,
            kSnapshotName,
            kVolumeId,
            {{"destinationSnapshotName", "destinationsnapshotname"}, true, "the copy's name"},
            {{"destinationRegion", "destinationregion"}, true, "the region to copy to"}},
           copySnapshot});
}

static const CommandRegistration kSnapshotCommands(addSnapshotCommands);

} // namespace rexray::cli
