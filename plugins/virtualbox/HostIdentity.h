#ifndef REXRAY_VIRTUALBOX_HOSTIDENTITY_H
#define REXRAY_VIRTUALBOX_HOSTIDENTITY_H

#include <string>
#include <vector>

namespace rexray::virtualbox {

// What this guest knows about itself that VirtualBox also knows: the DMI
// system UUID (VirtualBox puts the machine's hardware UUID there) and the MAC
// addresses of its network adapters.
namespace identity {

// The DMI product UUID, lower case; "" when unreadable (it needs root).
std::string readDmiProductUuid(const std::string &path = "/sys/class/dmi/id/product_uuid");

// MACs of the interfaces under netClassDir, normalized; loopback and all-zero
// addresses left out. Sorted, without duplicates.
std::vector<std::string> readMacAddresses(const std::string &netClassDir = "/sys/class/net");

// "08:00:27:aB:cd:EF" → "080027ABCDEF" (VirtualBox's spelling); "" when the
// text is not 6 bytes of hex.
std::string normalizeMac(const std::string &mac);

// Whether a DMI UUID names this machine UUID: equal ignoring case, or equal
// once the first three fields are byte-swapped (SMBIOS stores them
// little-endian and some firmware/kernel pairs print them swapped).
bool dmiUuidMatches(const std::string &dmiUuid, const std::string &machineUuid);

} // namespace identity
} // namespace rexray::virtualbox

#endif // REXRAY_VIRTUALBOX_HOSTIDENTITY_H
