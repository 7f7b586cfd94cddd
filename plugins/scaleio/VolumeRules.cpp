#include "VolumeRules.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <stdexcept>

namespace rexray::scaleio {

int64_t roundedSizeGiB(int64_t gib) {
  if (gib < 0) throw std::invalid_argument("volume size " + std::to_string(gib) + " is negative");
  // Far beyond any pool, and keeps sizeInKb from overflowing.
  constexpr int64_t kMaxGiB = int64_t(1) << 40;
  if (gib > kMaxGiB)
    throw std::invalid_argument("volume size " + std::to_string(gib) + " GiB is too large");
  if (gib == 0) return kGranularityGiB;
  return (gib + kGranularityGiB - 1) / kGranularityGiB * kGranularityGiB;
}

int64_t sizeInKb(int64_t gib) {
  return roundedSizeGiB(gib) * kKbPerGiB;
}

int64_t sizeGiBOf(int64_t kb) {
  return kb / kKbPerGiB;
}

void checkName(const std::string &name, const std::string &what) {
  if (name.empty()) throw std::invalid_argument(what + " name is empty");
  if (name.size() > kMaxNameLength)
    throw std::invalid_argument(what + " name '" + name + "' has " + std::to_string(name.size()) +
                                " characters; ScaleIO allows at most " +
                                std::to_string(kMaxNameLength));
}

std::string provisioningType(const std::string &value, const std::string &what) {
  std::string v;
  for (char c : value)
    if (!std::isspace(static_cast<unsigned char>(c)))
      v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "thin" || v == "thinprovisioned") return "ThinProvisioned";
  if (v == "thick" || v == "thickprovisioned") return "ThickProvisioned";
  throw std::invalid_argument(what + " '" + value +
                              "' is neither ThinProvisioned nor ThickProvisioned");
}

} // namespace rexray::scaleio
