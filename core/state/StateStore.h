#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rexray {

// One caller's use of a mounted volume. Docker's mount ID is the caller ID;
// callers that send none (Mesos dvdcli, the CLI) count under the volume name,
// so several of them share one record and `uses` says how many they are.
struct MountRecord {
  std::string service;
  std::string volumeId;
  std::string volumeName;
  std::string callerId;
  std::string mountPoint; // <mount.path>/<name>
  std::string device;
  int64_t createdUnix = 0;
  int64_t uses = 1; // mounts not yet matched by an unmount
};

// How a repeated mount by the same caller counts (VolumeService decides).
enum class MountUse {
  // A Docker mount ID names one use; the same ID again is a retry.
  Once,
  // No ID (dvdcli, the CLI): every mount is one more use, every unmount one
  // less.
  Counted,
};

// An attachment this host made, so a restart can find what it owns.
struct AttachmentRecord {
  std::string service;
  std::string volumeId;
  std::string volumeName;
  std::string device;
  std::string token;
  int64_t createdUnix = 0;
};

// Persistent state in SQLite (Poco::Data::SQLite). The schema is versioned
// (PRAGMA user_version); opening an older database migrates it, a newer one
// is refused with ErrorKind::Config. Safe to use from several threads and
// from several processes (WAL + busy timeout). Errors throw rexray::Error.
class StateStore {
public:
  explicit StateStore(const std::string &path); // creates parent dirs and file as needed
  ~StateStore();
  StateStore(const StateStore &) = delete;
  StateStore &operator=(const StateStore &) = delete;

  static int currentSchemaVersion();
  int schemaVersion() const;
  const std::string &path() const;

  // One use of the volume by the caller (key: service, volumeId, callerId);
  // the record's other fields are replaced. `record.uses` is ignored.
  // Returns the caller's uses now.
  int64_t addMount(const MountRecord &record, MountUse how);
  // One use less; the record goes with its last use. Returns the caller's
  // uses left, or nullopt when the caller held none.
  std::optional<int64_t> releaseMount(const std::string &service, const std::string &volumeId,
                                      const std::string &callerId);
  // Drops the caller's record whatever its uses. Returns true when there was one.
  bool removeMount(const std::string &service, const std::string &volumeId,
                   const std::string &callerId);
  void removeMounts(const std::string &service, const std::string &volumeId);
  std::vector<MountRecord> mounts(const std::string &service, const std::string &volumeId) const;
  std::vector<MountRecord> allMounts() const;
  // The volume's uses, summed over its callers.
  int64_t mountCount(const std::string &service, const std::string &volumeId) const;

  void putAttachment(const AttachmentRecord &record); // key: service, volumeId
  bool removeAttachment(const std::string &service, const std::string &volumeId);
  std::optional<AttachmentRecord> attachment(const std::string &service,
                                             const std::string &volumeId) const;
  std::vector<AttachmentRecord> allAttachments() const;

private:
  struct Impl;
  std::unique_ptr<Impl> _impl;
};

} // namespace rexray
