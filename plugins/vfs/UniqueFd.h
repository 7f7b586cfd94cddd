#ifndef REXRAY_VFS_UNIQUEFD_H
#define REXRAY_VFS_UNIQUEFD_H

#include <unistd.h>

#include <utility>

namespace rexray::vfs {

// Owns a file descriptor so that every early return and exception closes it.
class UniqueFd {
public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : _fd(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd &&other) noexcept : _fd(std::exchange(other._fd, -1)) {}
  UniqueFd &operator=(UniqueFd &&other) noexcept {
    if (this != &other) {
      reset();
      _fd = std::exchange(other._fd, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd &) = delete;
  UniqueFd &operator=(const UniqueFd &) = delete;

  int get() const { return _fd; }
  bool valid() const { return _fd >= 0; }
  explicit operator bool() const { return valid(); }
  void reset(int fd = -1) {
    if (_fd >= 0) ::close(_fd);
    _fd = fd;
  }

private:
  int _fd = -1;
};

} // namespace rexray::vfs

#endif // REXRAY_VFS_UNIQUEFD_H
