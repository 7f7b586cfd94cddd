#pragma once

#include "config/CoreKeys.h"

#include <chrono>

namespace rexray {

class Config;

// How long each front end gives one request, counted from its arrival; the
// Deadline made from it is the only one below the front end.
struct RequestTimeouts {
  // Docker's Create and Mount: what dockerd itself waits (its longTimeout).
  std::chrono::milliseconds dockerLong{coreDefaultDurationMs("docker.timeout.long")};
  // Every other VolumeDriver call (dockerd's shortTimeout).
  std::chrono::milliseconds dockerShort{coreDefaultDurationMs("docker.timeout.short")};
  // A control-API request that does not name its own (the CLI's --timeout
  // default too).
  std::chrono::milliseconds api{120000};

  // docker.timeout.long and docker.timeout.short; Error(Config) when not positive.
  static RequestTimeouts fromConfig(const Config &config);
};

// The control API's request header carrying the caller's remaining time in
// milliseconds.
inline constexpr const char *kTimeoutHeader = "X-Rexray-Timeout-Ms";

} // namespace rexray
