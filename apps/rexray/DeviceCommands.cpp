// REX-Ray's `device` commands: the local block devices and mounts, without
// any storage driver.
#include "Commands.h"
#include "Output.h"
#include "Progress.h"

#include "api/JsonCodec.h"
#include "os/OsLayer.h"
#include "util/Error.h"

#include <fmt/format.h>

#include <iostream>

namespace rexray::cli {
namespace {

// The positional argument at `index`, else the flag, else a usage error.
std::string argument(const Invocation &inv, size_t index, const std::string &flag) {
  if (inv.args.size() > index) return inv.args[index];
  if (inv.has(flag)) return inv.get(flag);
  throw UsageError("rexray " + fmt::format("{}", fmt::join(inv.command->path, " ")) + ": " +
                   inv.command->arguments + " (or --" + flag + ") is required");
}

int listDevices(Invocation &inv) {
  LinuxOsLayer os;
  const std::string device = inv.get("deviceName"), mountPoint = inv.get("mountPoint");
  std::vector<MountEntry> shown;
  for (const auto &m : os.mounts())
    if ((device.empty() || m.source == device) && (mountPoint.empty() || m.target == mountPoint))
      shown.push_back(m);
  Output out(std::cout, inv);
  if (out.quiet()) {
    for (const auto &m : shown) std::cout << m.target << "\n";
    return kExitOk;
  }
  if (!out.isTable()) {
    Poco::JSON::Array::Ptr arr = new Poco::JSON::Array;
    for (const auto &m : shown) {
      auto o = json::orderedObject();
      o->set("device", m.source);
      o->set("mountPoint", m.target);
      o->set("fsType", m.fsType);
      o->set("options", m.options);
      arr->add(o);
    }
    out.structured(arr);
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto &m : shown) rows.push_back({m.source, m.target});
  out.grid({"Device", "MountPoint"}, rows);
  return kExitOk;
}

int mountDevice(Invocation &inv) {
  const std::string device = argument(inv, 0, "deviceName");
  const std::string mountPoint = argument(inv, 1, "mountPoint");
  LinuxOsLayer os;
  std::string fsType = inv.get("fsType");
  if (fsType.empty()) fsType = os.probeFilesystem(device);
  if (fsType.empty())
    throw Error(ErrorKind::Invalid, device +
                                        " has no file system; format it first "
                                        "(rexray device format " +
                                        device + " --fsType ext4)");
  std::string options = inv.get("mountOptions");
  if (inv.has("mountLabel"))
    options +=
        (options.empty() ? "" : ",") + std::string("context=\"") + inv.get("mountLabel") + "\"";
  if (inv.flag("dryRun")) {
    std::cout << "would mount " << device << " (" << fsType << ") on " << mountPoint << "\n";
    return kExitOk;
  }
  os.makeDirectories(mountPoint, 0755);
  os.mount(device, mountPoint, fsType, options);
  Output(std::cout, inv).value("mountPoint", mountPoint);
  return kExitOk;
}

int unmountDevice(Invocation &inv) {
  const std::string mountPoint = argument(inv, 0, "mountPoint");
  LinuxOsLayer os;
  if (!os.isMountPoint(mountPoint)) {
    if (inv.flag("idempotent")) return kExitOk;
    throw Error(ErrorKind::NotFound, mountPoint + " is not a mount point");
  }
  if (inv.flag("dryRun")) {
    std::cout << "would unmount " << mountPoint << "\n";
    return kExitOk;
  }
  os.unmount(mountPoint);
  return kExitOk;
}

int formatDevice(Invocation &inv) {
  const std::string device = argument(inv, 0, "deviceName");
  const std::string fsType = inv.get("fsType", "ext4");
  LinuxOsLayer os;
  const std::string existing = os.probeFilesystem(device);
  if (!existing.empty() && !inv.flag("overwriteFs"))
    throw Error(ErrorKind::Exists, device + " already has a file system (" + existing +
                                       "); add --overwriteFS to format it anyway");
  if (inv.flag("dryRun")) {
    std::cout << "would format " << device << " as " << fsType << "\n";
    return kExitOk;
  }
  Progress progress("formatting " + device + " as " + fsType + " (mkfs." + fsType + ")");
  os.makeFilesystem(device, fsType);
  return kExitOk;
}

const OptionSpec kDeviceName{{"deviceName", "devicename"}, true, "the device, e.g. /dev/xvdf"};
const OptionSpec kMountPoint{{"mountPoint", "mountpoint"}, true, "the mount point"};

void addDeviceCommands(CommandLine &cli) {
  cli.add({{"device", "ls"},
           {"get", "list"},
           "",
           "List the mounts of this host's devices",
           {kDeviceName, kMountPoint},
           listDevices});
  cli.add({{"device", "mount"},
           {},
           "DEVICE MOUNTPOINT",
           "Mount a device (its file system probed unless --fsType)",
           {kDeviceName,
            kMountPoint,
            {{"fsType", "fstype"}, true, "the device's file system"},
            {{"mountOptions", "mountoptions"}, true, "mount options, comma-separated"},
            {{"mountLabel", "mountlabel"}, true, "the SELinux context of the mount"},
            kDryRunOption},
           mountDevice});
  cli.add({{"device", "unmount"},
           {"umount"},
           "MOUNTPOINT",
           "Unmount a mount point",
           {kMountPoint, kDryRunOption, kIdempotentOption},
           unmountDevice});
  cli.add({{"device", "format"},
           {},
           "DEVICE",
           "Make a file system on a device (ext4 unless --fsType)",
           {kDeviceName,
            {{"fsType", "fstype"}, true, "file system: ext4 (default), ext3, xfs or btrfs"},
            {{"overwriteFs", "overwritefs", "overwriteFS"},
             false,
             "format even when a file system exists"},
            kDryRunOption},
           formatDevice});
}

} // namespace

static const CommandRegistration kDeviceCommands(addDeviceCommands);

} // namespace rexray::cli
