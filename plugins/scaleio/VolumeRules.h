#ifndef REXRAY_SCALEIO_VOLUMERULES_H
#define REXRAY_SCALEIO_VOLUMERULES_H

#include <cstdint>
#include <string>

// What a ScaleIO system accepts for a new volume, checked before the request
// goes out so that the user learns the rule rather than a gateway error code.
namespace rexray::scaleio {

constexpr int64_t kKbPerGiB = 1024 * 1024;
// Every volume is allocated in 8 GiB units (scaleio-rest.md §7.1).
constexpr int64_t kGranularityGiB = 8;
// The gateway refuses longer names (§7.3).
constexpr size_t kMaxNameLength = 31;

// The size the system will give a request for `gib` (at least one unit).
// Throws std::invalid_argument for a negative size or one that overflows.
int64_t roundedSizeGiB(int64_t gib);
int64_t sizeInKb(int64_t gib);
// Whole GiB in `kb`, as REX-Ray reports sizes.
int64_t sizeGiBOf(int64_t kb);

// Throws std::invalid_argument for an empty name or one longer than the
// system allows, naming the limit: REX-Ray cut such names silently, which
// let two long names collide.
void checkName(const std::string &name, const std::string &what);

// "ThinProvisioned" or "ThickProvisioned" for any spelling of either
// ("thin", "thinProvisioned", ...); throws std::invalid_argument otherwise.
std::string provisioningType(const std::string &value, const std::string &what);

} // namespace rexray::scaleio

#endif // REXRAY_SCALEIO_VOLUMERULES_H
