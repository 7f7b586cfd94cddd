#ifndef REXRAY_VFS_VFSDRIVER_H
#define REXRAY_VFS_VFSDRIVER_H

#include <rexray/sdk/driver.hpp>

#include "Intents.h"
#include "LoopDevice.h"
#include "NameIndex.h"

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace rexray::vfs {

// REX-Ray's embedded default driver: each volume is a sparse image file under
// root() that is attached to this host through a loop device. Everything the
// driver knows lives in files and in the kernel's loop state, so a new
// instance (after a daemon restart) sees the same volumes and attachments.
//
// Thread-safe: metadata changes, attach and detach are serialized by one
// mutex; copying image data for snapshots and clones happens outside it.
class VfsDriver : public sdk::Driver {
public:
  static constexpr int64_t kGiB = int64_t(1) << 30;

  VfsDriver(const sdk::Host &host, std::string service);

  // Absolute directory holding volumes/ and snapshots/: config key "root",
  // else the state directory the host gives this instance. Nothing is
  // created there until the first volume or snapshot is.
  const std::string &root() const { return _root; }
  std::string volumeImagePath(const std::string &volumeId) const;
  std::string snapshotImagePath(const std::string &snapshotId) const;

  // Contents of /etc/machine-id, else the host name.
  std::string instanceId(const sdk::Call &) override;
  std::vector<sdk::Volume> volumes(const sdk::Call &) override;
  sdk::Volume volume(const sdk::Call &, const std::string &id) override;
  // Sparse when new; a copy of from_snapshot_id / from_volume_id otherwise,
  // grown when a larger size_gib is asked for.
  sdk::Volume createVolume(const sdk::Call &, const sdk::CreateOptions &) override;
  // RXR_E_BUSY while attached unless force, which detaches first.
  void removeVolume(const sdk::Call &, const std::string &id, bool force) override;
  // Idempotent; returns the loop device path, which is also the token.
  // Another instance than this host is RXR_E_NOT_FOUND.
  std::string attachVolume(const sdk::Call &, const sdk::AttachOptions &) override;
  // The free space (for unprivileged users) of the file system under root();
  // vfs has no zones, so any zone is RXR_E_NOT_FOUND. Images are sparse:
  // this is what their data can still fill, not a cap on their sizes.
  int64_t capacityBytes(const sdk::Call &, const std::string &zone) override;
  // Idempotent; the kernel finishes a detach when the device's last opener
  // closes it.
  void detachVolume(const sdk::Call &, const std::string &id, bool force) override;
  std::string waitForDevice(const sdk::Call &, const std::string &volumeId,
                            const std::string &token) override;
  std::vector<sdk::Snapshot> snapshots(const sdk::Call &, const std::string &volumeId) override;
  sdk::Snapshot createSnapshot(const sdk::Call &, const std::string &volumeId,
                               const std::string &name, const std::string &description) override;
  void removeSnapshot(const sdk::Call &, const std::string &id) override;
  // An empty destName keeps the source's name; any destRegion is invalid.
  sdk::Snapshot copySnapshot(const sdk::Call &, const std::string &id, const std::string &destName,
                             const std::string &destRegion) override;
  // Grows the sparse image (never shrinks it) and, when the volume is
  // attached, the loop device with it.
  sdk::Volume expandVolume(const sdk::Call &, const std::string &id, int64_t sizeGiB) override;

private:
  struct VolumeRecord {
    std::string id, name, type, sourceSnapshotId, sourceVolumeId;
    int64_t sizeGiB = 0, iops = 0, createdUnix = 0;
    bool encrypted = false;
  };
  struct SnapshotRecord {
    std::string id, name, volumeId, description, sourceSnapshotId;
    int64_t sizeGiB = 0, startTimeUnix = 0;
  };

  std::string volumesDir() const { return _root + "/volumes"; }
  std::string snapshotsDir() const { return _root + "/snapshots"; }
  std::string volumeMetaPath(const std::string &id) const;
  std::string snapshotMetaPath(const std::string &id) const;
  // Where an image is built before it is published: hidden from listings.
  static std::string pendingPath(const std::string &image);
  // Held shared by every create of an image, tried exclusively by
  // reclaimLeftovers (see FileLock).
  std::string creationLockPath() const;
  void ensureLayout() const;
  // A marker of an operation in progress (see Intents), or the driver error.
  Intents::Marker recordIntent() const;
  // Runs `store` (writing the metadata) and then renames `pending` to
  // `image`; on failure the metadata is removed again.
  void publish(const std::string &pending, const std::string &image, const std::string &meta,
               const std::function<void()> &store) const;
  // At start: finishes or removes what a crashed create or remove left
  // (Reclaim.cpp), logging each; failures are warnings, never fatal.
  void reclaimLeftovers();
  void reclaimIn(const std::string &dir, const char *metaSuffix);
  std::string newId(const std::string &prefix) const;

  template <typename Load>
  auto requireRecord(const char *kind, const std::string &id, Load load) const ->
      typename decltype(load())::value_type;
  template <typename Load>
  auto loadRecords(const char *kind, const std::string &dir, const char *suffix, Load load) const
      -> std::vector<typename decltype(load(std::string()))::value_type>;
  std::optional<VolumeRecord> loadVolume(const std::string &id) const;
  VolumeRecord requireVolume(const std::string &id) const;
  std::vector<VolumeRecord> loadVolumes() const;
  void storeVolume(const VolumeRecord &record) const;
  std::optional<SnapshotRecord> loadSnapshot(const std::string &id) const;
  SnapshotRecord requireSnapshot(const std::string &id) const;
  std::vector<SnapshotRecord> loadSnapshots() const;
  void storeSnapshot(const SnapshotRecord &record) const;

  // The record exists (one stat, not a read): for calls that need no more.
  void requireVolumeExists(const std::string &id) const;
  // What an answer of attachedDevice is for: a report may trust this
  // instance's own detach; an action (attach, detach, a copy) never does.
  enum class Use { Report, Act };
  // The loop device serving the volume: the one this instance bound it to,
  // checked with one sysfs read, else found by a scan of every loop device.
  // Callers hold _mu.
  std::optional<std::string> attachedDevice(const std::string &id, Use use) const;
  sdk::Volume toVolume(const VolumeRecord &record, const std::optional<std::string> &device,
                       bool imageExists) const;
  static sdk::Snapshot toSnapshot(const SnapshotRecord &record);

  // At start, after leftovers: every record's name in the index, and no
  // link to a volume that is gone.
  void reindexNames();

  std::mutex _mu;
  std::string _root;
  // Each name held by one volume (or one create in progress).
  NameIndex _names;
  Intents _intents; // declared after _root, which it is made from
  // The records the last listing read, by ID, with their file's inode.
  struct ListedRecord {
    ino_t inode;
    VolumeRecord record;
  };
  using ListedRecords = std::unordered_map<std::string, ListedRecord>;
  ListedRecords _listedRecords;
  // Volume ID -> the device this instance bound it to (a hint, checked on
  // use), or "" after this instance detached it.
  std::map<std::string, std::string> _deviceHint;
  std::string _instanceId;
};

} // namespace rexray::vfs

#endif // REXRAY_VFS_VFSDRIVER_H
