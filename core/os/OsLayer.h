#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace rexray {

struct MountEntry {
  std::string source; // as the kernel shows it, e.g. /dev/loop3
  std::string target; // mount point
  std::string fsType;
  std::string options;
  dev_t devno = 0; // major:minor of the mounted device (0 when none)
};

// What statvfs(2) says of a mounted file system.
struct FilesystemUsage {
  uint64_t totalBytes = 0, availableBytes = 0, usedBytes = 0;
  uint64_t totalInodes = 0, freeInodes = 0, usedInodes = 0;
};

// Everything the mount pipeline needs from the operating system, so tests can
// substitute a fake. Every method throws rexray::Error with a message naming
// the device or path and the system's reason (strerror / tool output).
class OsLayer {
public:
  virtual ~OsLayer() = default;

  // The filesystem type libblkid finds on the device ("ext4", "xfs"), or ""
  // when there is none.
  virtual std::string probeFilesystem(const std::string &device) = 0;
  // Runs mkfs.<fsType> on the device by execve with an argument vector (no
  // shell): ext4/ext3 with -F, xfs with -f, btrfs with -f. Other types are
  // ErrorKind::Invalid "unsupported file system type".
  virtual void makeFilesystem(const std::string &device, const std::string &fsType) = 0;
  // mount(2). options is the comma-separated data string ("" for none).
  virtual void mount(const std::string &device, const std::string &target,
                     const std::string &fsType, const std::string &options) = 0;
  // umount2(2); not mounted is not an error.
  virtual void unmount(const std::string &target) = 0;
  // The mount table (/proc/self/mountinfo through libmount).
  virtual std::vector<MountEntry> mounts() = 0;
  // The mount points where this device is mounted (matched by device number).
  virtual std::vector<std::string> mountPointsOf(const std::string &device) = 0;
  virtual bool isMountPoint(const std::string &path) = 0;
  // mkdir -p with the given mode for the directories it creates.
  virtual void makeDirectories(const std::string &path, mode_t mode) = 0;
  virtual void changeMode(const std::string &path, mode_t mode) = 0;
  // True when the path is a directory with exactly this mode: then neither
  // mkdir nor chmod is needed, and the file system is left clean (a chmod
  // dirties it, and its unmount then waits for a journal commit).
  virtual bool directoryHasMode(const std::string &path, mode_t mode) = 0;
  // rmdir; missing or non-empty is not an error.
  virtual void removeDirectory(const std::string &path) = 0;

  // A bind mount of `source` (a directory, or a device node onto a file)
  // at `target`, read-only when asked (a bind then a read-only remount).
  virtual void bindMount(const std::string &source, const std::string &target, bool readOnly) = 0;
  // Grows the file system on `device`, mounted at `mountPoint`, to fill the
  // device: resize2fs for ext2/3/4, xfs_growfs for xfs, btrfs for btrfs, by
  // execve (no shell). Other types are ErrorKind::Unsupported.
  virtual void growFilesystem(const std::string &device, const std::string &mountPoint,
                              const std::string &fsType) = 0;
  // statvfs(2) of a path; a missing path is ErrorKind::NotFound.
  virtual FilesystemUsage filesystemUsage(const std::string &path) = 0;
  // Creates an empty regular file (and not its directories) when it does
  // not exist: the target a block device is bind-mounted onto.
  virtual void makeFile(const std::string &path, mode_t mode) = 0;
  // unlink(2); missing is not an error.
  virtual void removeFile(const std::string &path) = 0;
};

// The real thing: libblkid, libmount, mount(2)/umount2(2), fork+execve.
class LinuxOsLayer : public OsLayer {
public:
  std::string probeFilesystem(const std::string &device) override;
  void makeFilesystem(const std::string &device, const std::string &fsType) override;
  void mount(const std::string &device, const std::string &target, const std::string &fsType,
             const std::string &options) override;
  void unmount(const std::string &target) override;
  std::vector<MountEntry> mounts() override;
  std::vector<std::string> mountPointsOf(const std::string &device) override;
  bool isMountPoint(const std::string &path) override;
  void makeDirectories(const std::string &path, mode_t mode) override;
  void changeMode(const std::string &path, mode_t mode) override;
  bool directoryHasMode(const std::string &path, mode_t mode) override;
  void removeDirectory(const std::string &path) override;
  void bindMount(const std::string &source, const std::string &target, bool readOnly) override;
  void growFilesystem(const std::string &device, const std::string &mountPoint,
                      const std::string &fsType) override;
  FilesystemUsage filesystemUsage(const std::string &path) override;
  void makeFile(const std::string &path, mode_t mode) override;
  void removeFile(const std::string &path) override;
};

} // namespace rexray
