#pragma once

#include "mount/KnownFilesystems.h"
#include "os/OsLayer.h"
#include "plugin/DriverHandle.h"
#include "state/StateStore.h"
#include "volume/ServiceSettings.h"
#include "volume/Types.h"

#include <string>

namespace rexray {

struct MountResult {
  std::string device;     // local block device
  std::string mountPoint; // <mount.path>/<name>
  std::string path;       // mountPoint + rootPath: what callers use
};

// The only place that touches devices and mounts (design §6): attach, wait
// for the device, probe, mkfs when empty, mount, prepare rootPath; and the
// reverse. Every step that fails undoes the steps before it. Each operation
// runs within the request's deadline: the forward steps stop early enough
// that undoing them fits before it.
class MountPipeline {
public:
  // Cheap to build: a VolumeService makes one per operation with the
  // settings in force at its start, so a reload never changes them mid-way.
  MountPipeline(DriverHandle &driver, OsLayer &os, StateStore &state, ServiceSettings settings,
                KnownFilesystems &known);

  // `force` detaches the volume from any other instance first (preempt).
  MountResult mount(const Volume &volume, const std::string &instanceId,
                    const MountOptions &options, bool force, const Deadline &deadline);
  // Unmounts every mount of the volume's device, removes the mount
  // directory, and detaches.
  void unmount(const Volume &volume, const std::string &instanceId, const Deadline &deadline);

  // Attaches (when not attached here) and returns the local device.
  std::string attach(const Volume &volume, const std::string &instanceId, bool force,
                     const Deadline &deadline);
  void detach(const Volume &volume, bool force, const Deadline &deadline);
  // Attach, mkfs, detach again (create-time formatting).
  void format(const Volume &volume, const std::string &instanceId, const std::string &fsType,
              bool overwrite, const Deadline &deadline);

  // Drops this host's attachment record (the volume is gone, or is no longer
  // attached here). Attachment records are written here and nowhere else.
  void forget(const std::string &volumeId);
  // The local device when the volume is attached here, else "".
  std::string localDevice(const Volume &volume, const std::string &instanceId,
                          const Deadline &deadline);

private:
  struct Attached {
    std::string device;
    bool attachedNow = false;
  };
  // Attaches within `deadline`'s forward part; a failure detaches again
  // within the rest.
  Attached ensureAttached(const Volume &volume, const std::string &instanceId, bool force,
                          const Deadline &deadline);
  // The driver's current view of a volume we hold an attachment record of
  // (`volume` itself when we hold none); a record the driver contradicts is
  // dropped.
  Volume verified(const Volume &volume, const std::string &instanceId, const Deadline &deadline);
  std::string waitForDevice(const Volume &volume, const std::string &token,
                            const Deadline &deadline);
  // Returns the file system now on the device.
  std::string formatIfNeeded(const std::string &device, const std::string &fsType, bool overwrite);
  // Mounts with the type the volume was last found with; false when none is
  // known or the kernel refuses it (the probe then decides).
  bool mountAsKnown(const Volume &volume, const std::string &device, const std::string &target);
  // Where attaching must stop so that a rollback still fits in `deadline`;
  // also no later than device.attachTimeout from now.
  Deadline forwardPart(const Deadline &deadline) const;

  DriverHandle &_driver;
  OsLayer &_os;
  StateStore &_state;
  const ServiceSettings _settings;
  KnownFilesystems &_known;
};

} // namespace rexray
