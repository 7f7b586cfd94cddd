#include "api/RequestTimeouts.h"

#include "config/Config.h"
#include "util/Error.h"

namespace rexray {
namespace {

std::chrono::milliseconds positive(const Config &config, const char *key,
                                   std::chrono::milliseconds fallback) {
  const int64_t ms = config.durationMs(key, fallback.count());
  if (ms <= 0)
    throw Error(ErrorKind::Config, std::string(key) + " must be a positive duration, got " +
                                       std::to_string(ms) + "ms");
  return std::chrono::milliseconds(ms);
}

} // namespace

RequestTimeouts RequestTimeouts::fromConfig(const Config &config) {
  RequestTimeouts t;
  t.dockerLong = positive(config, "docker.timeout.long", t.dockerLong);
  t.dockerShort = positive(config, "docker.timeout.short", t.dockerShort);
  return t;
}

} // namespace rexray
