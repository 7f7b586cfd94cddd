#include "Backend.h"
#include "Commands.h"
#include "Output.h"
#include "volume/CreateOptions.h"

#include "util/Error.h"

#include <iostream>

namespace rexray::cli {
namespace {

// The volume a command acts on: the positional argument, else 0.3's
// --volumeid / --volumename.
std::string volumeRef(const Invocation &inv) {
  if (!inv.args.empty()) return inv.args.front();
  if (inv.has("volumeID")) return inv.get("volumeID");
  if (inv.has("volumeName")) return inv.get("volumeName");
  throw Error(ErrorKind::Invalid, "name the volume: rexray " +
                                      std::string(inv.command->path.back()) +
                                      " VOLUME (or --volumename / --volumeid)");
}

std::vector<std::string> volumeRefs(const Invocation &inv) {
  if (!inv.args.empty()) return inv.args;
  return {volumeRef(inv)};
}

const OptionSpec kVolumeName{{"volumeName", "volumename"}, true, "the volume's name (0.3 form)"};
const OptionSpec kVolumeId{{"volumeID", "volumeid"}, true, "the volume's ID (0.3 form)"};
const OptionSpec kForce{{"force"}, false, "do it even when the volume is in use"};

int listVolumes(Invocation &inv) {
  auto svc = makeBackend(inv);
  std::vector<Volume> volumes;
  if (inv.args.empty() && !inv.has("volumeID") && !inv.has("volumeName")) {
    volumes = svc->list();
  } else {
    for (const auto &ref : volumeRefs(inv)) volumes.push_back(svc->inspect(ref));
  }
  Output out(std::cout, inv.format, svc->instanceId());
  std::vector<Volume> shown;
  for (const auto &v : volumes) {
    const std::string st = out.status(v);
    if (inv.flag("attached") && st != "attached") continue;
    if (inv.flag("available") && st != "available") continue;
    shown.push_back(v);
  }
  out.volumes(shown, inv.flag("path"));
  return 0;
}

int createVolume(Invocation &inv) {
  // --opt KEY=VALUE takes the same options as Docker's -o, the driver's own
  // included; the named flags are the same options spelled as flags, and win
  // over an --opt of the same name. One parser judges them all.
  std::map<std::string, std::string> opts;
  for (const auto &pair : inv.all("opt")) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(ErrorKind::Invalid, "invalid --opt '" + pair + "': expected KEY=VALUE");
    opts[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  for (const char *flag : {"size", "iops", "volumeType", "availabilityZone", "encrypted",
                           "encryptionKey", "snapshotID", "volumeID", "fsType", "overwriteFs"})
    if (inv.has(flag)) opts[flag] = inv.get(flag);
  if (inv.args.size() > 1)
    throw Error(ErrorKind::Invalid,
                "create one volume at a time (got " + std::to_string(inv.args.size()) + " names)");
  const CreateSpec spec =
      parseCreateOptions(inv.args.empty() ? inv.get("volumeName") : inv.args.front(), opts);
  auto svc = makeBackend(inv);
  Volume v = svc->create(spec);
  Output(std::cout, inv.format, svc->instanceId()).volume(v);
  return 0;
}

int removeVolumes(Invocation &inv) {
  auto svc = makeBackend(inv);
  for (const auto &ref : volumeRefs(inv)) svc->remove(ref, inv.flag("force"));
  return 0;
}

int attachVolume(Invocation &inv) {
  auto svc = makeBackend(inv);
  Volume v = svc->attach(volumeRef(inv), inv.flag("force"));
  Output out(std::cout, inv.format, svc->instanceId());
  if (inv.format == "table")
    std::cout << v.attachedDevice << "\n";
  else
    out.volume(v);
  return 0;
}

int detachVolume(Invocation &inv) {
  makeBackend(inv)->detach(volumeRef(inv), inv.flag("force"));
  return 0;
}

int mountVolume(Invocation &inv) {
  auto svc = makeBackend(inv);
  MountOptions options;
  options.fsType = inv.get("fsType");
  options.overwriteFs = inv.flag("overwriteFs");
  const std::string path = svc->mount(volumeRef(inv), options);
  Output(std::cout, inv.format).value("path", path);
  return 0;
}

int unmountVolume(Invocation &inv) {
  makeBackend(inv)->unmount(volumeRef(inv));
  return 0;
}

int volumePath(Invocation &inv) {
  auto svc = makeBackend(inv);
  Output(std::cout, inv.format).value("path", svc->path(volumeRef(inv)));
  return 0;
}

} // namespace

void addVolumeCommands(CommandLine &cli) {
  cli.add({{"volume", "ls"},
           {"l", "list", "get", "inspect"},
           "[VOLUME...]",
           "List volumes, or show the named ones",
           {kVolumeName,
            kVolumeId,
            {{"attached"}, false, "only volumes attached to this host"},
            {{"available"}, false, "only volumes attached nowhere"},
            {{"path"}, false, "show where each volume is mounted"}},
           listVolumes});
  cli.add({{"volume", "create"},
           {"c", "n", "new"},
           "NAME",
           "Create a volume",
           {kVolumeName,
            {{"size"}, true, "size in GiB (default: volume.create.default.size)"},
            {{"iops"}, true, "provisioned IOPS"},
            {{"volumeType", "volumetype", "type"}, true, "backend volume type"},
            {{"availabilityZone", "availabilityzone"}, true, "availability zone"},
            {{"snapshotID", "snapshotid", "snapshotName", "snapshotname"},
             true,
             "restore from this snapshot (ID or name)"},
            {{"volumeID", "volumeid"}, true, "copy this volume (ID or name)"},
            {{"encrypted"}, false, "encrypt the volume"},
            {{"encryptionKey", "encryptionkey"}, true, "the key to encrypt with"},
            {{"fsType", "fstype", "newFsType", "newfstype"},
             true,
             "format the new volume with this file system now"},
            {{"overwriteFs", "overwritefs", "overwriteFS"},
             false,
             "format even when a file system exists"},
            {{"opt"},
             true,
             "KEY=VALUE, repeatable: a create option as Docker's -o, e.g. the driver's own "
             "(rexray plugins inspect lists them)",
             0,
             true}},
           createVolume});
  cli.add({{"volume", "rm"},
           {"r", "remove", "delete", "del"},
           "VOLUME...",
           "Remove volumes",
           {kVolumeId, kForce},
           removeVolumes});
  cli.add({{"volume", "attach"},
           {"a"},
           "VOLUME",
           "Attach a volume to this host and print its device",
           {kVolumeId, kVolumeName, kForce},
           attachVolume});
  cli.add({{"volume", "detach"},
           {"d"},
           "VOLUME",
           "Detach a volume from this host",
           {kVolumeId, kVolumeName, kForce},
           detachVolume});
  cli.add({{"volume", "mount"},
           {"m"},
           "VOLUME",
           "Attach, format when empty, mount, and print the path",
           {kVolumeName,
            kVolumeId,
            {{"fsType", "fstype"}, true, "file system for an empty volume (default ext4)"},
            {{"overwriteFs", "overwritefs", "overwriteFS"},
             false,
             "format even when a file system exists"}},
           mountVolume});
  cli.add({{"volume", "unmount"},
           {"u", "umount"},
           "VOLUME",
           "Undo one 'volume mount'; the last one unmounts and detaches",
           {kVolumeName, kVolumeId},
           unmountVolume});
  cli.add({{"volume", "path"},
           {},
           "VOLUME",
           "Print where a volume is mounted (nothing when it is not)",
           {kVolumeName, kVolumeId},
           volumePath});
}

} // namespace rexray::cli
