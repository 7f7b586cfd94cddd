#include "Backend.h"
#include "Commands.h"
#include "Output.h"
#include "Progress.h"
#include "Targets.h"
#include "volume/CreateOptions.h"

#include "util/Error.h"

#include <algorithm>
#include <iostream>

namespace rexray::cli {
namespace {

// The volumes a command acts on: its arguments, else 0.3's --volumeid /
// --volumename. Each is an exact ID or name, or /regex/ (Targets.h).
std::vector<std::string> volumeRefs(const Invocation &inv) {
  if (!inv.args.empty()) return inv.args;
  if (inv.has("volumeID")) return {inv.get("volumeID")};
  if (inv.has("volumeName")) return {inv.get("volumeName")};
  throw UsageError("name the volume: rexray " + std::string(inv.command->path.back()) +
                   " VOLUME (or --volumename / --volumeid)");
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
    for (const auto &ref : expandVolumeRefs(*svc, volumeRefs(inv)))
      volumes.push_back(svc->inspect(ref));
  }
  Output out(std::cout, inv, svc->instanceId());
  const bool attachedOnly = inv.flag("attached"), availableOnly = inv.flag("available");
  if (attachedOnly || availableOnly)
    volumes.erase(std::remove_if(volumes.begin(), volumes.end(),
                                 [&](const Volume &v) {
                                   const std::string st = out.status(v);
                                   return (attachedOnly && st != "attached") ||
                                          (availableOnly && st != "available");
                                 }),
                  volumes.end());
  out.volumes(volumes, inv.flag("path"));
  return kExitOk;
}

int mapVolumes(Invocation &inv) {
  auto svc = makeBackend(inv);
  const std::string here = svc->instanceId();
  std::vector<Volume> attached;
  for (const auto &v : svc->list())
    if (v.attachedInstanceId == here) attached.push_back(v);
  Output(std::cout, inv, here).volumeMap(attached);
  return kExitOk;
}

int createVolume(Invocation &inv) {
  // --opt KEY=VALUE takes the same options as Docker's -o, the driver's own
  // included; the named flags are the same options spelled as flags, and win
  // over an --opt of the same name. One parser judges them all.
  std::map<std::string, std::string> opts;
  for (const auto &pair : inv.all("opt")) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("invalid --opt '" + pair + "': expected KEY=VALUE");
    opts[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  for (const char *flag : {"size", "iops", "volumeType", "availabilityZone", "encrypted",
                           "encryptionKey", "snapshotID", "volumeID", "fsType", "overwriteFs"})
    if (inv.has(flag)) opts[flag] = inv.get(flag);
  if (inv.args.size() > 1)
    throw UsageError("create one volume at a time (got " + std::to_string(inv.args.size()) +
                     " names)");
  const std::string name = inv.args.empty() ? inv.get("volumeName") : inv.args.front();
  const CreateSpec spec = parseCreateOptions(name, opts);
  auto svc = makeBackend(inv);
  Output out(std::cout, inv, svc->instanceId());
  if (inv.flag("idempotent")) {
    if (auto existing = findVolume(*svc, name)) {
      out.volume(*existing);
      return kExitOk;
    }
  }
  if (inv.flag("dryRun")) {
    out.plan({{"create", "", name}});
    return kExitOk;
  }
  std::string what = "creating " + name;
  if (!spec.fromSnapshot.empty()) what += " from snapshot " + spec.fromSnapshot;
  if (!spec.fromVolume.empty()) what += " as a copy of " + spec.fromVolume;
  if (!spec.newFsType.empty()) what += ", then formatting it " + spec.newFsType;
  Volume v;
  {
    Progress progress(what);
    v = svc->create(spec);
  }
  out.volume(v);
  return kExitOk;
}

int removeVolumes(Invocation &inv) {
  auto svc = makeBackend(inv);
  // Like `docker volume rm`: every volume named is tried, each failure said.
  const auto refs = volumeRefs(inv);
  std::vector<std::string> targets;
  int status = kExitOk;
  for (const auto &ref : refs) {
    try {
      for (const auto &t : expandVolumeRefs(*svc, {ref})) targets.push_back(t);
    } catch (const Error &e) {
      if (inv.flag("idempotent") && e.kind() == ErrorKind::NotFound) continue;
      std::cerr << "rexray: " << e.what() << "\n";
      status = kExitFailed;
    }
  }
  Output out(std::cout, inv);
  if (inv.flag("dryRun")) {
    out.plan(planFor(*svc, "remove", targets));
    return status;
  }
  const int each = forEachTarget(targets, true, [&](const std::string &ref) {
    try {
      Progress progress("removing " + ref);
      svc->remove(ref, inv.flag("force"));
    } catch (const Error &e) {
      if (!(inv.flag("idempotent") && e.kind() == ErrorKind::NotFound)) throw;
    }
  });
  return std::max(status, each);
}

// attach, detach, mount and unmount: each named volume in turn.
int eachVolume(Invocation &inv, const std::string &action,
               const std::function<void(Backend &, const std::string &)> &run) {
  auto svc = makeBackend(inv);
  const auto targets = expandVolumeRefs(*svc, volumeRefs(inv));
  if (inv.flag("dryRun")) {
    Output(std::cout, inv).plan(planFor(*svc, action, targets));
    return kExitOk;
  }
  return forEachTarget(targets, inv.flag("continueOnError"),
                       [&](const std::string &ref) { run(*svc, ref); });
}

int attachVolumes(Invocation &inv) {
  return eachVolume(inv, "attach", [&](Backend &svc, const std::string &ref) {
    Output out(std::cout, inv, svc.instanceId());
    if (inv.flag("idempotent")) {
      const Volume v = svc.inspect(ref);
      if (out.status(v) == "attached") {
        out.attachment(v);
        return;
      }
    }
    Volume v;
    {
      Progress progress("attaching " + ref + ": waiting for the backend and the device");
      v = svc.attach(ref, inv.flag("force"));
    }
    out.attachment(v);
  });
}

int detachVolumes(Invocation &inv) {
  return eachVolume(inv, "detach", [&](Backend &svc, const std::string &ref) {
    if (inv.flag("idempotent") && !svc.inspect(ref).attached()) return;
    Progress progress("detaching " + ref + ": waiting for the backend");
    svc.detach(ref, inv.flag("force"));
  });
}

int mountVolumes(Invocation &inv) {
  MountOptions options;
  options.fsType = inv.get("fsType");
  options.overwriteFs = inv.flag("overwriteFs");
  return eachVolume(inv, "mount", [&](Backend &svc, const std::string &ref) {
    // Docker and dvdcli create a missing name on mount (volume.create.implicit);
    // on the command line a typo must not create a volume.
    if (!findVolume(svc, ref)) {
      if (!inv.flag("create"))
        throw Error(ErrorKind::NotFound,
                    "volume '" + ref + "' does not exist (add --create to create it)");
      Progress progress("creating " + ref);
      svc.create(parseCreateOptions(ref, {}));
    }
    if (inv.flag("idempotent")) {
      // Mounted already: no second count.
      const std::string path = svc.path(ref);
      if (!path.empty()) {
        Output(std::cout, inv).value("path", path);
        return;
      }
    }
    std::string path;
    {
      Progress progress("mounting " + ref +
                        ": attaching, waiting for the device, formatting if empty, mounting");
      path = svc.mount(ref, options);
    }
    Output(std::cout, inv).value("path", path);
  });
}

int unmountVolumes(Invocation &inv) {
  return eachVolume(inv, "unmount", [&](Backend &svc, const std::string &ref) {
    if (inv.flag("idempotent") && svc.path(ref).empty()) return;
    Progress progress("unmounting " + ref);
    svc.unmount(ref);
  });
}

int volumePath(Invocation &inv) {
  auto svc = makeBackend(inv);
  for (const auto &ref : expandVolumeRefs(*svc, volumeRefs(inv)))
    Output(std::cout, inv).value("path", svc->path(ref));
  return kExitOk;
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
  cli.add({{"volume", "map"},
           {},
           "",
           "List the volumes attached to this host with their devices",
           {},
           mapVolumes});
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
             true},
            kDryRunOption,
            kIdempotentOption},
           createVolume});
  cli.add({{"volume", "rm"},
           {"r", "remove", "delete", "del"},
           "VOLUME...",
           "Remove volumes; each is tried, each failure reported",
           {kVolumeId, kForce, kDryRunOption, kIdempotentOption},
           removeVolumes});
  cli.add(
      {{"volume", "attach"},
       {"a"},
       "VOLUME...",
       "Attach volumes to this host and print their devices",
       {kVolumeId, kVolumeName, kForce, kDryRunOption, kContinueOnErrorOption, kIdempotentOption},
       attachVolumes});
  cli.add(
      {{"volume", "detach"},
       {"d"},
       "VOLUME...",
       "Detach volumes from this host",
       {kVolumeId, kVolumeName, kForce, kDryRunOption, kContinueOnErrorOption, kIdempotentOption},
       detachVolumes});
  cli.add({{"volume", "mount"},
           {"m"},
           "VOLUME...",
           "Attach, format when empty, mount, and print the path",
           {kVolumeName,
            kVolumeId,
            {{"fsType", "fstype"}, true, "file system for an empty volume (default ext4)"},
            {{"overwriteFs", "overwritefs", "overwriteFS"},
             false,
             "format even when a file system exists"},
            {{"create"}, false, "create the volume (with the defaults) when it does not exist"},
            kDryRunOption,
            kContinueOnErrorOption,
            kIdempotentOption},
           mountVolumes});
  cli.add({{"volume", "unmount"},
           {"u", "umount"},
           "VOLUME...",
           "Undo one 'volume mount'; the last one unmounts and detaches",
           {kVolumeName, kVolumeId, kDryRunOption, kContinueOnErrorOption, kIdempotentOption},
           unmountVolumes});
  cli.add({{"volume", "path"},
           {},
           "VOLUME...",
           "Print where a volume is mounted (nothing when it is not)",
           {kVolumeName, kVolumeId},
           volumePath});
}

static const CommandRegistration kVolumeCommands(addVolumeCommands);

} // namespace rexray::cli
