#include "plugin/HostContext.h"

#include "util/Log.h"

#include <atomic>
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

// Request ids live as long as the process: a driver may keep the pointer it
// was given for the duration of a call, and these are cheap.
thread_local std::string currentRequestId;

} // namespace

HostContext::HostContext(std::string service, std::string driver, ConfigLookup config)
    : _service(std::move(service)), _driver(std::move(driver)), _config(std::move(config)) {
  _host.struct_size = sizeof(rxr_host);
  _host.abi_minor = RXR_ABI_MINOR;
  _host.host_data = this;
  _host.log = &HostContext::log;
  _host.log_enabled = &HostContext::logEnabled;
  _host.config_get = &HostContext::configGet;
  _host.get_extension = &HostContext::getExtension;
}

rxr_call HostContext::makeCall(int64_t deadlineUnixMs) {
  static std::atomic<uint64_t> counter{0};
  currentRequestId = "req-" + std::to_string(++counter);
  rxr_call call{};
  call.struct_size = sizeof call;
  call.deadline_unix_ms = deadlineUnixMs;
  call.request_id = currentRequestId.c_str();
  return call;
}

void HostContext::log(const rxr_host *host, rxr_log_level level, const char *message) {
  const auto &ctx = self(host);
  const log::Level l = toLevel(level);
  if (!log::enabled(l)) return;
  log::write(l, "[" + ctx._service + "/" + ctx._driver + " " + currentRequestId + "] " +
                    (message ? message : ""));
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
    value = ctx._config ? ctx._config(key) : std::nullopt;
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
