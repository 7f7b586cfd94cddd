#pragma once

#include <rexray/sdk/driver.h>

#include <functional>
#include <optional>
#include <string>

namespace rexray {

// The services table handed to one driver instance. It must outlive every
// call into that instance, so DriverHandle owns it.
class HostContext {
public:
  using ConfigLookup = std::function<std::optional<std::string>(const std::string &key)>;

  HostContext(std::string service, std::string driver, ConfigLookup config);
  HostContext(const HostContext &) = delete;
  HostContext &operator=(const HostContext &) = delete;

  const rxr_host *raw() const { return &_host; }
  const std::string &service() const { return _service; }
  const std::string &driver() const { return _driver; }

  // A fresh call record with a request id and the given deadline (0 = none).
  static rxr_call makeCall(int64_t deadlineUnixMs);

private:
  static void log(const rxr_host *host, rxr_log_level level, const char *message);
  static int logEnabled(const rxr_host *host, rxr_log_level level);
  static rxr_status configGet(const rxr_host *host, const char *key, char *buf, size_t cap,
                              size_t *needed);
  static const void *getExtension(const rxr_host *host, const char *id);

  rxr_host _host{};
  std::string _service, _driver;
  ConfigLookup _config;
};

} // namespace rexray
