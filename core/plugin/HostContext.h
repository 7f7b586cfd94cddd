#pragma once

#include "plugin/PluginLoader.h"

#include <rexray/sdk/driver.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rexray {

// The services table handed to one driver instance (or to a plugin's init).
// It must outlive every call into that instance, so DriverHandle owns it.
class HostContext {
public:
  using ConfigLookup = std::function<std::optional<std::string>(const std::string &key)>;

  // `plugin` supplies the declared keys (defaults, what may be asked for);
  // `stateDir` "" = none (init); `secrets` are values scrubbed from the
  // driver's log lines and error messages.
  HostContext(std::string service, const PluginInfo &plugin, ConfigLookup config,
              std::string stateDir = {}, std::vector<std::string> secrets = {});
  HostContext(const HostContext &) = delete;
  HostContext &operator=(const HostContext &) = delete;

  const rxr_host *raw() const { return &_host; }
  const std::string &service() const { return _service; }
  const std::string &driver() const { return _driver; }

  // A fresh call record with the thread's current request ID (see
  // util/RequestContext.h; the caller keeps a scope open for the call) and
  // the given deadline (CLOCK_MONOTONIC milliseconds, 0 = none).
  static rxr_call makeCall(int64_t deadlineMonoMs);

  // `text` with every secret value of this instance replaced by "******".
  std::string scrub(std::string text) const;
  // A configuration value as the driver sees it: the configured value, else
  // the declared default.
  std::optional<std::string> configValue(const std::string &key) const;

private:
  static void log(const rxr_host *host, rxr_log_level level, const char *message);
  static int logEnabled(const rxr_host *host, rxr_log_level level);
  static rxr_status configGet(const rxr_host *host, const char *key, char *buf, size_t cap,
                              size_t *needed);
  static const void *getExtension(const rxr_host *host, const char *id);

  rxr_host _host{};
  std::string _service, _driver;
  std::vector<PluginConfigKey> _keys;
  ConfigLookup _config;
  std::string _stateDir;
  std::vector<std::string> _secrets;
};

} // namespace rexray
