#ifndef REXRAY_VFS_LOOPDEVICE_H
#define REXRAY_VFS_LOOPDEVICE_H

#include <optional>
#include <string>
#include <vector>

namespace rexray::vfs {

// One bound loop device as sysfs reports it.
struct LoopBinding {
  std::string device;      // "/dev/loopN"
  std::string backingFile; // as the kernel prints it, without " (deleted)"
  bool deleted = false;    // the backing file was unlinked after binding
  bool autoclear = false;  // the device goes away on its last close
};

// Binds image files to loop devices with the loop-control ioctls and finds
// them again through sysfs, so no state of our own has to survive a restart.
// Every failure throws std::system_error naming the device or file.
struct LoopDevice {
  enum class Method {
    Auto,      // LOOP_CONFIGURE, falling back to Legacy on kernels before 5.8
    Configure, // LOOP_CONFIGURE only
    Legacy,    // LOOP_SET_FD + LOOP_SET_STATUS64
  };

  // Binds `imagePath` to a free loop device and returns "/dev/loopN". The
  // device does not autoclear: it outlives this process.
  static std::string attach(const std::string &imagePath, Method method = Method::Auto);

  // Unbinds the device. The kernel defers this until the last opener closes
  // it; a device that is not bound (or does not exist) is not an error.
  static void detach(const std::string &device);
  // Detaches `device` only if it still serves `imagePath` (see
  // findByBackingFile) once we hold it open; returns whether it did. A device
  // found by a sysfs scan may have been detached and rebound to someone else's
  // file by another process since, and must not be torn down then.
  static bool detach(const std::string &device, const std::string &imagePath);

  // Flushes the device's page cache into the backing file, so that a copy of
  // the image taken next sees everything written through the device.
  static void flush(const std::string &device);

  // Creates /dev/loopN when it is missing (a static /dev in a container has
  // no udev to do it); an existing block device node is left alone.
  static void ensureNode(const std::string &device);

  // Every bound loop device.
  static std::vector<LoopBinding> bindings();
  // The binding of one device ("/dev/loopN"), or nullopt when it is unbound.
  static std::optional<LoopBinding> binding(const std::string &device);

  // The absolute path the kernel prints for `path` as backing_file: symlinks
  // resolved in the part of it that exists.
  static std::string kernelPath(const std::string &path);

  // The device serving `imagePath`. Devices being torn down (autoclear set,
  // which we never set ourselves, so someone asked for a detach) do not count,
  // nor does a deleted backing file while a file exists again at that path.
  static std::optional<std::string> findByBackingFile(const std::string &imagePath);
  // The same among `all`, for a path already in kernelPath form: a driver
  // whose root is canonical checks 10,000 images without resolving each.
  static std::optional<std::string> findByBackingFile(const std::string &imagePath,
                                                      const std::vector<LoopBinding> &bindings);
  // True when `binding` serves `imagePath` (in kernelPath form) in the sense
  // of findByBackingFile.
  static bool serves(const LoopBinding &binding, const std::string &imagePath);
};

} // namespace rexray::vfs

#endif // REXRAY_VFS_LOOPDEVICE_H
