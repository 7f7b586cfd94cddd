#include "os/OsLayer.h"

#include "util/Error.h"

#include <blkid/blkid.h>
#include <libmount/libmount.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace rexray {

namespace {

std::string errnoText(int err) {
  return std::strerror(err);
}

// Kinds the front ends can act on; everything else is the host misbehaving.
ErrorKind kindForErrno(int err) {
  switch (err) {
  case ENOENT:
  case ENXIO: return ErrorKind::NotFound;
  case EBUSY: return ErrorKind::Busy;
  case EEXIST: return ErrorKind::Exists;
  case EINVAL:
  case ENOTDIR:
  case ENOTBLK: return ErrorKind::Invalid;
  case ENODEV: return ErrorKind::Unsupported;
  default: return ErrorKind::Internal;
  }
}

[[noreturn]] void throwErrno(int err, const std::string &what) {
  throw Error(kindForErrno(err), what + ": " + errnoText(err));
}

struct ProbeDeleter {
  void operator()(blkid_struct_probe *probe) const { blkid_free_probe(probe); }
};
struct TableDeleter {
  void operator()(libmnt_table *table) const { mnt_unref_table(table); }
};
struct IterDeleter {
  void operator()(libmnt_iter *iter) const { mnt_free_iter(iter); }
};

class Fd {
public:
  explicit Fd(int fd = -1) : _fd(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  int get() const { return _fd; }
  void reset() {
    if (_fd >= 0) ::close(_fd);
    _fd = -1;
  }

private:
  int _fd;
};

struct SpawnFileActions {
  posix_spawn_file_actions_t actions;
  SpawnFileActions() { posix_spawn_file_actions_init(&actions); }
  ~SpawnFileActions() { posix_spawn_file_actions_destroy(&actions); }
  SpawnFileActions(const SpawnFileActions &) = delete;
  SpawnFileActions &operator=(const SpawnFileActions &) = delete;
};

// The mkfs tools live in sbin, which is often missing from a daemon's PATH, so
// look in the usual places ourselves instead of trusting the environment.
std::string findTool(const std::string &name) {
  static const char *const dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};
  for (const char *dir : dirs) {
    std::string candidate = std::string(dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// The last few lines of a tool's output: enough to show why it failed without
// flooding the message. mkfs.xfs prints its reason and then a page of usage,
// so the usage text is dropped when something precedes it.
std::string outputTail(const std::string &output) {
  constexpr std::size_t maxChars = 512;
  constexpr std::size_t maxLines = 4;
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t nl = output.find('\n', start);
    if (nl == std::string::npos) nl = output.size();
    std::string line = output.substr(start, nl - start);
    start = nl + 1;
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    std::size_t last = line.find_last_not_of(" \t\r");
    line = line.substr(first, last - first + 1);
    bool usage = line.compare(0, 6, "Usage:") == 0 || line.compare(0, 6, "usage:") == 0;
    if (usage && !lines.empty()) break;
    lines.push_back(line);
  }
  std::string tail;
  for (std::size_t i = lines.size() > maxLines ? lines.size() - maxLines : 0; i < lines.size(); ++i)
    tail += (tail.empty() ? "" : " ") + lines[i];
  if (tail.size() > maxChars) tail = "..." + tail.substr(tail.size() - maxChars);
  return tail;
}

struct RunResult {
  int status = 0; // as from waitpid
  std::string output;
};

// Runs the tool with stdout and stderr into one pipe. posix_spawn rather than
// a hand-written fork keeps the child side async-signal-safe in a threaded
// daemon, and the argument vector never goes through a shell.
RunResult runTool(const std::string &tool, const std::vector<std::string> &args) {
  std::vector<char *> argv;
  argv.reserve(args.size() + 1);
  for (const std::string &arg : args) argv.push_back(const_cast<char *>(arg.c_str()));
  argv.push_back(nullptr);
  // A fixed environment: mkfs output in English for the error message, and no
  // surprises from whatever the daemon inherited.
  char pathEnv[] = "PATH=/usr/sbin:/sbin:/usr/bin:/bin";
  char langEnv[] = "LC_ALL=C";
  char *envp[] = {pathEnv, langEnv, nullptr};

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throwErrno(errno, "cannot create a pipe for " + tool);
  Fd readEnd(fds[0]);
  Fd writeEnd(fds[1]);

  SpawnFileActions fa;
  int rc = posix_spawn_file_actions_addopen(&fa.actions, 0, "/dev/null", O_RDONLY, 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&fa.actions, writeEnd.get(), 1);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&fa.actions, writeEnd.get(), 2);
  if (rc != 0) throwErrno(rc, "cannot prepare to run " + tool);

  pid_t pid = -1;
  rc = ::posix_spawn(&pid, tool.c_str(), &fa.actions, nullptr, argv.data(), envp);
  if (rc != 0) throwErrno(rc, "cannot run " + tool);
  writeEnd.reset();

  RunResult result;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(readEnd.get(), buf, sizeof buf);
    if (n > 0) {
      result.output.append(buf, static_cast<std::size_t>(n));
      // Only the tail is ever reported; don't let a chatty tool grow this.
      if (result.output.size() > 64 * 1024)
        result.output.erase(0, result.output.size() - 16 * 1024);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  while (::waitpid(pid, &result.status, 0) < 0) {
    if (errno != EINTR) throwErrno(errno, "cannot wait for " + tool);
  }
  return result;
}

// Runs a system tool found by findTool; a failure is an Error naming the
// tool, `subject` and the end of its output. `what` says what could not be
// done when the tool is missing.
void runToolChecked(const std::string &toolName, std::vector<std::string> args,
                    const std::string &what, const std::string &subject) {
  const std::string tool = findTool(toolName);
  if (tool.empty())
    throw Error(ErrorKind::Unsupported,
                what + ": " + toolName + " not found in /usr/sbin, /sbin, /usr/bin or /bin");
  args.insert(args.begin(), toolName);
  RunResult result = runTool(tool, args);
  if (WIFEXITED(result.status) && WEXITSTATUS(result.status) == 0) return;
  std::string how = WIFEXITED(result.status)
                        ? "exit status " + std::to_string(WEXITSTATUS(result.status))
                        : "killed by signal " + std::to_string(WTERMSIG(result.status));
  std::string tail = outputTail(result.output);
  throw Error(ErrorKind::Internal, toolName + " on " + subject + " failed (" + how + ")" +
                                       (tail.empty() ? "" : ": " + tail));
}

struct MountFlag {
  const char *name;
  unsigned long flag;
  bool clear;
};

// The generic options mount(8) turns into flags; passing them in the data
// string instead makes most filesystems reject the mount.
const MountFlag mountFlags[] = {
    {"defaults", 0, false},
    {"ro", MS_RDONLY, false},
    {"rw", MS_RDONLY, true},
    {"nosuid", MS_NOSUID, false},
    {"suid", MS_NOSUID, true},
    {"nodev", MS_NODEV, false},
    {"dev", MS_NODEV, true},
    {"noexec", MS_NOEXEC, false},
    {"exec", MS_NOEXEC, true},
    {"sync", MS_SYNCHRONOUS, false},
    {"async", MS_SYNCHRONOUS, true},
    {"dirsync", MS_DIRSYNC, false},
    {"noatime", MS_NOATIME, false},
    {"atime", MS_NOATIME, true},
    {"nodiratime", MS_NODIRATIME, false},
    {"diratime", MS_NODIRATIME, true},
    {"relatime", MS_RELATIME, false},
    {"norelatime", MS_RELATIME, true},
    {"strictatime", MS_STRICTATIME, false},
};

std::vector<std::string> splitOptions(const std::string &options) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= options.size()) {
    std::size_t comma = options.find(',', start);
    if (comma == std::string::npos) comma = options.size();
    std::string item = options.substr(start, comma - start);
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

std::unique_ptr<libmnt_table, TableDeleter> readMountTable() {
  errno = 0;
  std::unique_ptr<libmnt_table, TableDeleter> table(
      mnt_new_table_from_file("/proc/self/mountinfo"));
  if (!table) {
    int err = errno != 0 ? errno : EIO;
    throwErrno(err, "cannot read the mount table /proc/self/mountinfo");
  }
  return table;
}

template <typename Fn> void forEachMount(Fn &&fn) {
  auto table = readMountTable();
  std::unique_ptr<libmnt_iter, IterDeleter> iter(mnt_new_iter(MNT_ITER_FORWARD));
  if (!iter) throw Error(ErrorKind::Internal, "cannot iterate the mount table: out of memory");
  libmnt_fs *fs = nullptr;
  for (;;) {
    int rc = mnt_table_next_fs(table.get(), iter.get(), &fs);
    if (rc == 1) break;
    if (rc < 0) throwErrno(-rc, "cannot iterate the mount table");
    MountEntry entry;
    if (const char *s = mnt_fs_get_source(fs)) entry.source = s;
    if (const char *s = mnt_fs_get_target(fs)) entry.target = s;
    if (const char *s = mnt_fs_get_fstype(fs)) entry.fsType = s;
    if (const char *s = mnt_fs_get_options(fs)) entry.options = s;
    entry.devno = mnt_fs_get_devno(fs);
    fn(entry);
  }
}

std::string realPath(const std::string &path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) return "";
  return resolved;
}

} // namespace

std::string LinuxOsLayer::probeFilesystem(const std::string &device) {
  errno = 0;
  std::unique_ptr<blkid_struct_probe, ProbeDeleter> probe(
      blkid_new_probe_from_filename(device.c_str()));
  if (!probe) {
    int err = errno != 0 ? errno : ENOENT;
    throw Error(ErrorKind::NotFound, "cannot open device " + device + ": " + errnoText(err));
  }
  blkid_probe_enable_superblocks(probe.get(), 1);
  blkid_probe_set_superblocks_flags(probe.get(), BLKID_SUBLKS_TYPE);
  errno = 0;
  int rc = blkid_do_safeprobe(probe.get());
  if (rc == 1) return "";
  if (rc == -2)
    throw Error(ErrorKind::Invalid,
                "device " + device +
                    " has more than one file system signature (see wipefs); refusing to guess");
  if (rc < 0) {
    int err = errno != 0 ? errno : EIO;
    throw Error(kindForErrno(err), "cannot probe device " + device + ": " + errnoText(err));
  }
  const char *type = nullptr;
  if (blkid_probe_lookup_value(probe.get(), "TYPE", &type, nullptr) != 0 || type == nullptr)
    return "";
  return type;
}

void LinuxOsLayer::makeFilesystem(const std::string &device, const std::string &fsType) {
  std::vector<std::string> args;
  if (fsType == "ext4" || fsType == "ext3") {
    args = {"-F", "-q"};
  } else if (fsType == "xfs" || fsType == "btrfs") {
    args = {"-f", "-q"};
  } else {
    throw Error(ErrorKind::Invalid, "unsupported file system type '" + fsType + "'");
  }
  // mkfs's own complaint about a missing device varies by tool; this one is
  // the same for all of them.
  struct stat st {};
  if (::stat(device.c_str(), &st) != 0)
    throwErrno(errno, "cannot make " + fsType + " file system on " + device);

  args.push_back(device);
  runToolChecked("mkfs." + fsType, args, "cannot make " + fsType + " file system on " + device,
                 device);
}

void LinuxOsLayer::mount(const std::string &device, const std::string &target,
                         const std::string &fsType, const std::string &options) {
  unsigned long flags = 0;
  std::string data;
  bool haveNouuid = false;
  for (const std::string &opt : splitOptions(options)) {
    bool isFlag = false;
    for (const MountFlag &mf : mountFlags) {
      if (opt != mf.name) continue;
      isFlag = true;
      if (mf.clear)
        flags &= ~mf.flag;
      else
        flags |= mf.flag;
      break;
    }
    if (isFlag) continue;
    if (opt == "nouuid") haveNouuid = true;
    if (!data.empty()) data += ',';
    data += opt;
  }
  // A volume restored from a snapshot carries its source's XFS UUID; without
  // nouuid the kernel refuses to mount it beside the source.
  std::string shown = options;
  if (fsType == "xfs" && !haveNouuid) {
    data += data.empty() ? "nouuid" : ",nouuid";
    shown += shown.empty() ? "nouuid" : ",nouuid";
  }

  if (::mount(device.c_str(), target.c_str(), fsType.c_str(), flags,
              data.empty() ? nullptr : data.c_str()) != 0) {
    int err = errno;
    throw Error(kindForErrno(err), "cannot mount " + device + " on " + target + " (" + fsType +
                                       (shown.empty() ? "" : ", " + shown) +
                                       "): " + errnoText(err));
  }
}

void LinuxOsLayer::unmount(const std::string &target) {
  if (::umount2(target.c_str(), 0) == 0) return;
  int err = errno;
  if (err == EINVAL || err == ENOENT) return; // not mounted, or already gone
  if (err == EBUSY)
    throw Error(ErrorKind::Busy, "cannot unmount " + target + ": " + errnoText(err));
  throwErrno(err, "cannot unmount " + target);
}

std::vector<MountEntry> LinuxOsLayer::mounts() {
  std::vector<MountEntry> out;
  forEachMount([&](const MountEntry &entry) { out.push_back(entry); });
  return out;
}

std::vector<std::string> LinuxOsLayer::mountPointsOf(const std::string &device) {
  dev_t rdev = 0;
  struct stat st {};
  if (::stat(device.c_str(), &st) == 0) {
    if (S_ISBLK(st.st_mode)) rdev = st.st_rdev;
  } else if (errno != ENOENT) {
    throwErrno(errno, "cannot look up device " + device);
  }
  // Names as well as numbers: btrfs reports an anonymous device number, and a
  // device node that has vanished can still have mounts under its old name.
  // The name as given usually matches; only when nothing does is it resolved
  // (a symlink such as /dev/disk/by-id/...), which costs a readlink a component.
  const std::vector<MountEntry> table = mounts();
  const auto mountedAs = [&](const std::string &name) {
    std::vector<std::string> out;
    for (const auto &entry : table)
      if ((rdev != 0 && entry.devno == rdev) || entry.source == name) out.push_back(entry.target);
    return out;
  };
  std::vector<std::string> out = mountedAs(device);
  if (out.empty()) {
    const std::string resolved = realPath(device);
    if (!resolved.empty() && resolved != device) out = mountedAs(resolved);
  }
  return out;
}

bool LinuxOsLayer::isMountPoint(const std::string &path) {
  const std::vector<MountEntry> table = mounts();
  const auto mountedAt = [&](const std::string &target) {
    return std::any_of(table.begin(), table.end(),
                       [&](const MountEntry &entry) { return entry.target == target; });
  };
  // The path as given usually is the table's; only when it is not is it
  // resolved (symlinks, "//"), which costs a readlink a component.
  if (mountedAt(path)) return true;
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return false;
    throwErrno(err, "cannot resolve " + path);
  }
  return resolved != path && mountedAt(resolved);
}

void LinuxOsLayer::makeDirectories(const std::string &path, mode_t mode) {
  if (path.empty()) throw Error(ErrorKind::Invalid, "cannot create a directory with an empty path");
  // The leaf first: its parents usually exist (every mount point shares
  // them), so a mount costs one mkdir, not two calls per path component.
  std::string missing = path;
  while (missing.size() > 1 && missing.back() == '/') missing.pop_back();
  std::vector<std::string> toMake;
  for (;;) {
    if (::mkdir(missing.c_str(), mode) == 0) break;
    const int err = errno;
    if (err == ENOENT) {
      const auto slash = missing.find_last_of('/');
      if (slash == std::string::npos || slash == 0)
        throwErrno(err, "cannot create directory " + path);
      toMake.push_back(missing);
      missing.resize(slash);
      continue;
    }
    // Existing directories are fine, even where we could not have made them.
    struct stat st {};
    if ((err == EEXIST || err == EROFS || err == EACCES) && ::stat(missing.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) break;
      throw Error(ErrorKind::Exists,
                  "cannot create directory " + path + ": " + missing + " is not a directory");
    }
    throwErrno(err, "cannot create directory " + missing);
  }
  for (auto it = toMake.rbegin(); it != toMake.rend(); ++it)
    if (::mkdir(it->c_str(), mode) != 0 && errno != EEXIST)
      throwErrno(errno, "cannot create directory " + *it);
}

void LinuxOsLayer::changeMode(const std::string &path, mode_t mode) {
  if (::chmod(path.c_str(), mode) != 0) {
    char octal[16];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode & 07777));
    throwErrno(errno, std::string("cannot change the mode of ") + path + " to " + octal);
  }
}

bool LinuxOsLayer::directoryHasMode(const std::string &path, mode_t mode) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == mode;
}

void LinuxOsLayer::removeDirectory(const std::string &path) {
  if (::rmdir(path.c_str()) == 0) return;
  int err = errno;
  if (err == ENOENT || err == ENOTEMPTY || err == EEXIST || err == ENOTDIR) return;
  throwErrno(err, "cannot remove directory " + path);
}

void LinuxOsLayer::bindMount(const std::string &source, const std::string &target, bool readOnly) {
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0)
    throwErrno(errno, "cannot bind-mount " + source + " on " + target);
  if (!readOnly) return;
  // The kernel ignores MS_RDONLY on the bind itself: it takes a remount.
  if (::mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
    const int err = errno;
    ::umount2(target.c_str(), 0);
    throwErrno(err, "cannot make the bind mount " + target + " read-only");
  }
}

void LinuxOsLayer::growFilesystem(const std::string &device, const std::string &mountPoint,
                                  const std::string &fsType) {
  const std::string what = "cannot grow the " + fsType + " file system on " + device;
  if (fsType == "ext4" || fsType == "ext3" || fsType == "ext2")
    runToolChecked("resize2fs", {device}, what, device); // grows a mounted ext online
  else if (fsType == "xfs")
    runToolChecked("xfs_growfs", {"-d", mountPoint}, what, mountPoint);
  else if (fsType == "btrfs")
    runToolChecked("btrfs", {"filesystem", "resize", "max", mountPoint}, what, mountPoint);
  else
    throw Error(ErrorKind::Unsupported, what + ": growing " + fsType + " is not supported");
}

FilesystemUsage LinuxOsLayer::filesystemUsage(const std::string &path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) throwErrno(errno, "cannot read the usage of " + path);
  FilesystemUsage u;
  u.totalBytes = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
  u.availableBytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  u.usedBytes = static_cast<uint64_t>(st.f_blocks - st.f_bfree) * st.f_frsize;
  u.totalInodes = st.f_files;
  u.freeInodes = st.f_ffree;
  u.usedInodes = st.f_files - st.f_ffree;
  return u;
}

void LinuxOsLayer::makeFile(const std::string &path, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) throwErrno(errno, "cannot create file " + path);
  ::close(fd);
}

void LinuxOsLayer::removeFile(const std::string &path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return;
  throwErrno(errno, "cannot remove file " + path);
}

} // namespace rexray
