#ifndef REXRAY_VIRTUALBOX_DISKLOCATOR_H
#define REXRAY_VIRTUALBOX_DISKLOCATOR_H

#include <rexray/sdk/support/Deadline.hpp>

#include <string>

namespace rexray::virtualbox {

// The SDK support library's deadline, as rxr_call carries it.
using sdk::support::Deadline;

// Finds the guest's block device for a VirtualBox medium by its by-id link.
//
// VirtualBox gives an emulated ATA/AHCI disk the serial "VB%08x-%08x" built
// from the first and the last 32-bit words of the medium UUID (DevATA.cpp), so
// udev links it as <diskIDPath>/ata-VBOX_HARDDISK_VB<serial>: medium
// 3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f → ata-VBOX_HARDDISK_VB3f0f8e8a-5f4e3d2c
// (the last word is read from the UUID's bytes little-endian).
class DiskLocator {
public:
  explicit DiskLocator(std::string diskIdPath) : _dir(std::move(diskIdPath)) {}
  const std::string &directory() const { return _dir; }

  // "VB3f0f8e8a-5f4e3d2c". Throws std::invalid_argument for a non-UUID.
  static std::string serialFor(const std::string &mediumUuid);
  // "ata-VBOX_HARDDISK_VB3f0f8e8a-5f4e3d2c".
  static std::string byIdNameFor(const std::string &mediumUuid);
  // Whether a by-id entry name is the whole disk (not a -partN link) of this
  // medium: it ends in "VBOX_HARDDISK_" + serial (any bus prefix).
  static bool nameMatches(const std::string &entryName, const std::string &mediumUuid);
  // Whether it carries the UUID's first word with any second word (how
  // REX-Ray matched); find() falls back to this when it is unambiguous.
  static bool firstWordMatches(const std::string &entryName, const std::string &mediumUuid);

  // The resolved device path (e.g. /dev/sdb) when the medium's link exists and
  // points at a block device now; "" otherwise.
  std::string find(const std::string &mediumUuid) const;
  // Polls find() until it succeeds or the deadline passes (then "").
  std::string waitFor(const std::string &mediumUuid, Deadline deadline, int64_t pollMs = 100) const;

private:
  std::string _dir;
};

} // namespace rexray::virtualbox

#endif // REXRAY_VIRTUALBOX_DISKLOCATOR_H
