#ifndef REXRAY_SCALEIO_DEVICELOCATOR_H
#define REXRAY_SCALEIO_DEVICELOCATOR_H

#include <rexray/sdk/support/Deadline.hpp>

#include <optional>
#include <string>

// Where a mapped volume appears on this host: the SDC's udev link
// <deviceRoot>/emc-vol-<systemId>-<volumeId> (scaleio-rest.md §6).
namespace rexray::scaleio {

class DeviceLocator {
public:
  DeviceLocator(std::string deviceRoot, std::string systemId)
      : _root(std::move(deviceRoot)), _systemId(std::move(systemId)) {}

  std::string linkFor(const std::string &volumeId) const;
  // The device the link resolves to, if it is there now.
  std::optional<std::string> find(const std::string &volumeId) const;
  // Polls until the link resolves; RXR_E_TIMEOUT naming the link when the
  // deadline passes first.
  std::string wait(const std::string &volumeId, const sdk::support::Deadline &deadline) const;

private:
  std::string _root, _systemId;
};

} // namespace rexray::scaleio

#endif // REXRAY_SCALEIO_DEVICELOCATOR_H
