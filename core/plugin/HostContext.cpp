#include "plugin/HostContext.h"

#include "util/Log.h"
#include "util/RequestContext.h"

#include <Poco/String.h>

#include <algorithm>
#include <cstring>

namespace rexray {
namespace {

log::Level toLevel(rxr_log_level level) {
  switch (level) {
  case RXR_LOG_DEBUG: return log::Level::Debug;
  case RXR_LOG_INFO: return log::Level::Info;
  case RXR_LOG_WARN: return log::Level::Warn;
  default: return log::Level::Error;
  }
}

const HostContext &self(const rxr_host *host) {
  return *static_cast<const HostContext *>(host->host_data);
}

} // namespace

HostContext::HostContext(std::string service, const PluginInfo &plugin, ConfigLookup config,
                         std::string stateDir, std::vector<std::string> secrets)
    : _service(std::move(service)), _driver(plugin.name), _keys(plugin.configKeys),
      _config(std::move(config)), _stateDir(std::move(stateDir)), _secrets(std::move(secrets)) {
  // Longest first, so that a secret containing another is scrubbed whole.
  std::sort(_secrets.begin(), _secrets.end(),
            [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
  _host.struct_size = sizeof(rxr_host);
  _host.abi_minor = RXR_ABI_MINOR;
  _host.host_data = this;
  _host.log = &HostContext::log;
  _host.log_enabled = &HostContext::logEnabled;
  _host.config_get = &HostContext::configGet;
  _host.get_extension = &HostContext::getExtension;
  _host.state_dir = _stateDir.empty() ? nullptr : _stateDir.c_str();
}

rxr_call HostContext::makeCall(int64_t deadlineMonoMs) {
  rxr_call call{};
  call.struct_size = sizeof call;
  call.deadline_mono_ms = deadlineMonoMs;
  // The thread's request scope outlives the call (DriverHandle holds one).
  call.request_id = request::currentId().c_str();
  return call;
}

std::string HostContext::scrub(std::string text) const {
  for (const auto &secret : _secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
      text.replace(at, secret.size(), "******");
  }
  return text;
}

std::optional<std::string> HostContext::configValue(const std::string &key) const {
  // A plugin that declares its keys may only read those: an undeclared key
  // would escape validation, redaction and `rexray env`.
  const PluginConfigKey *declared = nullptr;
  for (const auto &k : _keys)
    if (Poco::icompare(k.key, key) == 0) declared = &k;
  if (!declared && !_keys.empty()) {
    log::warn("[{}/{}] the driver read configuration key '{}', which it does not declare", _service,
              _driver, key);
    return std::nullopt;
  }
  auto value = _config ? _config(declared ? declared->key : key) : std::nullopt;
  if (!value && declared) value = declared->defaultValue;
  return value;
}

void HostContext::log(const rxr_host *host, rxr_log_level level, const char *message) {
  const auto &ctx = self(host);
  const log::Level l = toLevel(level);
  if (!log::enabled(l)) return;
  // The logger adds the request's ID: the driver's lines carry the same one
  // as the host's.
  log::write(l, "[" + ctx._service + "/" + ctx._driver + "] " + ctx.scrub(message ? message : ""));
}

int HostContext::logEnabled(const rxr_host *, rxr_log_level level) {
  return log::enabled(toLevel(level)) ? 1 : 0;
}

rxr_status HostContext::configGet(const rxr_host *host, const char *key, char *buf, size_t cap,
                                  size_t *needed) {
  if (!key) return RXR_E_INVALID;
  const auto &ctx = self(host);
  std::optional<std::string> value;
  try {
    value = ctx.configValue(key);
  } catch (...) {
    return RXR_E_INVALID; // a bad value surfaces when core reads it itself
  }
  if (!value) return RXR_E_NOT_FOUND;
  if (needed) *needed = value->size() + 1;
  if (!buf || cap < value->size() + 1) return RXR_E_TOO_SMALL;
  std::memcpy(buf, value->c_str(), value->size() + 1);
  return RXR_OK;
}

const void *HostContext::getExtension(const rxr_host *, const char *) {
  return nullptr;
}

} // namespace rexray
