#include "LoopDevice.h"

#include "UniqueFd.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace rexray::vfs {

namespace {

constexpr int kLoopMajor = 7;
// Another process may take the device LOOP_CTL_GET_FREE handed us before we
// bind it; a handful of retries is plenty in practice.
constexpr int kAttachAttempts = 8;
constexpr const char kDeletedSuffix[] = " (deleted)";

[[noreturn]] void fail(int err, const std::string &what) {
  throw std::system_error(err, std::generic_category(), what);
}

// A whole file of /proc (which may hand it out over several reads).
std::optional<std::string> readSmallFile(const std::string &path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// A sysfs attribute: at most a page, which the kernel hands out whole in the
// first read, so the read that would see the end is not needed (a mount
// cycle reads a dozen of these).
std::optional<std::string> readSysfsAttribute(const std::string &path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  char buf[4096];
  ssize_t n;
  do n = ::read(fd.get(), buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

std::string chomp(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// "/dev/loop12" -> "loop12"; anything else -> "".
std::string loopName(const std::string &device) {
  const auto slash = device.find_last_of('/');
  std::string name = slash == std::string::npos ? device : device.substr(slash + 1);
  if (name.size() <= 4 || name.compare(0, 4, "loop") != 0) return {};
  if (!std::all_of(name.begin() + 4, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return {};
  return name;
}

// Containers often have a static /dev without udev, so the node for a loop
// device created by LOOP_CTL_GET_FREE may be missing.
void ensureNodeFor(int index, const std::string &device) {
  struct stat st {};
  if (::stat(device.c_str(), &st) == 0) {
    if (!S_ISBLK(st.st_mode)) fail(ENOTBLK, "cannot use " + device);
    return;
  }
  if (errno != ENOENT) fail(errno, "cannot stat " + device);
  // sysfs knows the real minor (it is shifted when max_part is set).
  dev_t dev = makedev(kLoopMajor, static_cast<unsigned>(index));
  if (auto text = readSysfsAttribute("/sys/block/loop" + std::to_string(index) + "/dev")) {
    unsigned major = 0, minor = 0;
    if (std::sscanf(text->c_str(), "%u:%u", &major, &minor) == 2) dev = makedev(major, minor);
  }
  if (::mknod(device.c_str(), S_IFBLK | 0660, dev) != 0 && errno != EEXIST)
    fail(errno, "cannot create device node " + device);
}

loop_info64 infoFor(const std::string &imagePath) {
  loop_info64 info{};
  // lo_file_name is informational (losetup shows it) and only 64 bytes; the
  // full path is what sysfs reports as backing_file.
  std::strncpy(reinterpret_cast<char *>(info.lo_file_name), imagePath.c_str(), LO_NAME_SIZE - 1);
  // No LO_FLAGS_AUTOCLEAR: the attachment must outlive the daemon.
  info.lo_flags = 0;
  return info;
}

enum class BindResult { Bound, Busy, Unsupported };

BindResult bindConfigure(int loopFd, int imageFd, const std::string &imagePath,
                         const std::string &device) {
  loop_config config{};
  config.fd = static_cast<__u32>(imageFd);
  config.block_size = 0;
  config.info = infoFor(imagePath);
  if (::ioctl(loopFd, LOOP_CONFIGURE, &config) == 0) return BindResult::Bound;
  if (errno == EBUSY) return BindResult::Busy;
  if (errno == EINVAL || errno == ENOTTY) return BindResult::Unsupported;
  fail(errno, "cannot bind " + imagePath + " to " + device + " (LOOP_CONFIGURE)");
}

BindResult bindLegacy(int loopFd, int imageFd, const std::string &imagePath,
                      const std::string &device) {
  if (::ioctl(loopFd, LOOP_SET_FD, imageFd) != 0) {
    if (errno == EBUSY) return BindResult::Busy;
    fail(errno, "cannot bind " + imagePath + " to " + device + " (LOOP_SET_FD)");
  }
  loop_info64 info = infoFor(imagePath);
  if (::ioctl(loopFd, LOOP_SET_STATUS64, &info) != 0) {
    const int err = errno;
    ::ioctl(loopFd, LOOP_CLR_FD, 0);
    fail(err, "cannot configure " + device + " for " + imagePath + " (LOOP_SET_STATUS64)");
  }
  return BindResult::Bound;
}

} // namespace

std::string LoopDevice::attach(const std::string &imagePath, Method method) {
  UniqueFd image(::open(imagePath.c_str(), O_RDWR | O_CLOEXEC));
  if (!image) fail(errno, "cannot open " + imagePath);
  UniqueFd control(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
  if (!control) fail(errno, "cannot open /dev/loop-control");

  bool useConfigure = method != Method::Legacy;
  for (int attempt = 0; attempt < kAttachAttempts; ++attempt) {
    const int index = ::ioctl(control.get(), LOOP_CTL_GET_FREE);
    if (index < 0) fail(errno, "cannot get a free loop device for " + imagePath);
    const std::string device = "/dev/loop" + std::to_string(index);
    ensureNodeFor(index, device);
    UniqueFd loop(::open(device.c_str(), O_RDWR | O_CLOEXEC));
    if (!loop) {
      // Removed (LOOP_CTL_REMOVE) or claimed between GET_FREE and open.
      if (errno == ENXIO || errno == EBUSY || errno == ENOENT) continue;
      fail(errno, "cannot open " + device);
    }
    BindResult result = BindResult::Unsupported;
    if (useConfigure) {
      result = bindConfigure(loop.get(), image.get(), imagePath, device);
      if (result == BindResult::Unsupported) {
        if (method == Method::Configure)
          fail(EINVAL, "cannot bind " + imagePath + " to " + device + " (LOOP_CONFIGURE)");
        useConfigure = false;
      }
    }
    if (!useConfigure) result = bindLegacy(loop.get(), image.get(), imagePath, device);
    if (result == BindResult::Bound) return device;
  }
  fail(EBUSY, "cannot bind " + imagePath + ": other processes took every free loop device first");
}

void LoopDevice::ensureNode(const std::string &device) {
  const std::string name = loopName(device);
  if (name.empty()) fail(EINVAL, "cannot use " + device + " as a loop device");
  ensureNodeFor(std::atoi(name.c_str() + 4), "/dev/" + name);
}

void LoopDevice::detach(const std::string &device) {
  UniqueFd loop(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (!loop) {
    if (errno == ENOENT || errno == ENXIO) return;
    fail(errno, "cannot open " + device);
  }
  if (::ioctl(loop.get(), LOOP_CLR_FD, 0) != 0 && errno != ENXIO)
    fail(errno, "cannot detach " + device + " (LOOP_CLR_FD)");
}

bool LoopDevice::detach(const std::string &device, const std::string &imagePath) {
  UniqueFd loop(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (!loop) {
    if (errno == ENOENT || errno == ENXIO) return false;
    fail(errno, "cannot open " + device);
  }
  // While we hold the device open nobody can rebind it: a detach by someone
  // else only becomes pending until our close. So this check cannot go stale.
  const auto b = binding(device);
  if (!b || !serves(*b, imagePath)) return false;
  if (::ioctl(loop.get(), LOOP_CLR_FD, 0) != 0) {
    if (errno == ENXIO) return false;
    fail(errno, "cannot detach " + device + " (LOOP_CLR_FD)");
  }
  return true;
}

void LoopDevice::flush(const std::string &device) {
  UniqueFd loop(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (!loop) fail(errno, "cannot open " + device);
  if (::fsync(loop.get()) != 0) fail(errno, "cannot flush " + device);
}

void LoopDevice::refreshCapacity(const std::string &device) {
  UniqueFd loop(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (!loop) fail(errno, "cannot open " + device);
  if (::ioctl(loop.get(), LOOP_SET_CAPACITY, 0) != 0)
    fail(errno, "cannot make " + device + " take its backing file's new size");
}

std::optional<LoopBinding> LoopDevice::binding(const std::string &device) {
  const std::string name = loopName(device);
  if (name.empty()) return std::nullopt;
  const std::string dir = "/sys/block/" + name + "/loop/";
  auto backing = readSysfsAttribute(dir + "backing_file");
  if (!backing) return std::nullopt;
  LoopBinding b;
  b.device = "/dev/" + name;
  b.backingFile = chomp(*backing);
  const size_t suffix = sizeof kDeletedSuffix - 1;
  if (b.backingFile.size() > suffix &&
      b.backingFile.compare(b.backingFile.size() - suffix, suffix, kDeletedSuffix) == 0) {
    b.deleted = true;
    b.backingFile.resize(b.backingFile.size() - suffix);
  }
  if (auto autoclear = readSysfsAttribute(dir + "autoclear"))
    b.autoclear = chomp(*autoclear) == "1";
  return b;
}

std::vector<LoopBinding> LoopDevice::bindings() {
  std::vector<LoopBinding> out;
  // /proc/partitions lists a loop device only while it has a size, that is
  // while it is bound: one read instead of one sysfs open per loop device
  // (hosts with snaps have dozens). sysfs is the fallback.
  if (auto partitions = readSmallFile("/proc/partitions")) {
    size_t at = 0;
    while (at < partitions->size()) {
      size_t end = partitions->find('\n', at);
      if (end == std::string::npos) end = partitions->size();
      const std::string line = partitions->substr(at, end - at);
      at = end + 1;
      const auto space = line.find_last_of(' ');
      const std::string name = space == std::string::npos ? line : line.substr(space + 1);
      if (loopName(name).empty()) continue;
      if (auto b = binding("/dev/" + name)) out.push_back(std::move(*b));
    }
  } else if (DIR *dir = ::opendir("/sys/block")) {
    while (const dirent *entry = ::readdir(dir)) {
      const std::string name = entry->d_name;
      if (loopName(name).empty()) continue;
      if (auto b = binding("/dev/" + name)) out.push_back(std::move(*b));
    }
    ::closedir(dir);
  }
  std::sort(out.begin(), out.end(), [](const LoopBinding &a, const LoopBinding &b) {
    return std::atoi(a.device.c_str() + 9) < std::atoi(b.device.c_str() + 9);
  });
  return out;
}

bool LoopDevice::serves(const LoopBinding &binding, const std::string &imagePath) {
  return findByBackingFile(imagePath, {binding}).has_value();
}

std::string LoopDevice::kernelPath(const std::string &path) {
  std::string absolute = path;
  if (path.empty() || path[0] != '/') {
    char cwd[PATH_MAX];
    if (!::getcwd(cwd, sizeof cwd)) return path;
    absolute = std::string(cwd) + "/" + path;
  }
  // The longest prefix that exists is resolved; the rest is appended as is.
  std::string rest;
  for (std::string head = absolute; !head.empty();) {
    char resolved[PATH_MAX];
    if (::realpath(head.c_str(), resolved))
      return std::string(resolved) == "/" && !rest.empty() ? rest : resolved + rest;
    const auto slash = head.find_last_of('/');
    rest = head.substr(slash) + rest;
    head.resize(slash);
  }
  return absolute;
}

std::optional<std::string> LoopDevice::findByBackingFile(const std::string &imagePath,
                                                         const std::vector<LoopBinding> &all) {
  for (const auto &b : all) {
    if (b.autoclear || b.backingFile != imagePath) continue;
    // A deleted backing file at a path that exists again is a different file.
    struct stat st {};
    if (b.deleted && ::stat(imagePath.c_str(), &st) == 0) continue;
    return b.device;
  }
  return std::nullopt;
}

std::optional<std::string> LoopDevice::findByBackingFile(const std::string &imagePath) {
  return findByBackingFile(kernelPath(imagePath), bindings());
}

} // namespace rexray::vfs
