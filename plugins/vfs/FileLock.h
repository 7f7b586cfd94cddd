#ifndef REXRAY_VFS_FILELOCK_H
#define REXRAY_VFS_FILELOCK_H

#include "UniqueFd.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace rexray::vfs {

// An flock(2) on a lock file, held until destruction. The kernel drops it
// when its holder dies, so a lock still held always belongs to a live
// process: that is what lets a starting driver tell an unfinished create
// of a crashed process from one still running in another (a CLI without
// a daemon uses the same root).
class FileLock {
public:
  // Waits for the lock; many holders may share it.
  static FileLock shared(const std::string &path) {
    FileLock lock(path);
    while (::flock(lock._fd.get(), LOCK_SH) != 0)
      if (errno != EINTR)
        throw std::system_error(errno, std::generic_category(), "cannot lock " + path);
    return lock;
  }
  // The lock alone, or an invalid FileLock when anyone else holds it.
  static FileLock tryExclusive(const std::string &path) {
    FileLock lock(path);
    if (::flock(lock._fd.get(), LOCK_EX | LOCK_NB) == 0) return lock;
    if (errno != EWOULDBLOCK)
      throw std::system_error(errno, std::generic_category(), "cannot lock " + path);
    return FileLock();
  }

  bool held() const { return _fd.valid(); }

private:
  FileLock() = default;
  explicit FileLock(const std::string &path)
      : _fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (!_fd) throw std::system_error(errno, std::generic_category(), "cannot open " + path);
  }

  UniqueFd _fd;
};

} // namespace rexray::vfs

#endif // REXRAY_VFS_FILELOCK_H
