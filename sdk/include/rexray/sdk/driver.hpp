// Header-only C++17 helper over driver.h: derive from rexray::sdk::Driver,
// override the operations the backend supports, and write
//
//   RXR_EXPORT_DRIVER(MyDriver, "com.example.my", "my", "1.0.0", "Example Inc.",
//                     "What it does", "block,snapshots", RXR_FLAG_NONE)
//
// in one .cpp file. The macro emits the rxr_plugin_entry_v1 symbol and the
// trampolines that turn C calls into virtual calls; every exception is caught
// at the boundary and becomes an rxr_status plus message.
#ifndef REXRAY_SDK_DRIVER_HPP
#define REXRAY_SDK_DRIVER_HPP

#include <rexray/sdk/driver.h>

#include <chrono>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rexray::sdk {

// Throw this to return a specific status; any other exception becomes
// RXR_E_INTERNAL (std::invalid_argument becomes RXR_E_INVALID).
class Error : public std::runtime_error {
public:
  Error(rxr_status status, const std::string &message, int32_t backendCode = 0)
      : std::runtime_error(message), _status(status), _backendCode(backendCode) {}
  rxr_status status() const noexcept { return _status; }
  int32_t backendCode() const noexcept { return _backendCode; }

private:
  rxr_status _status;
  int32_t _backendCode;
};

struct Volume {
  std::string id, name, type, availabilityZone, status;
  int64_t sizeGiB = 0;
  int64_t iops = 0;
  bool encrypted = false;
  std::string attachedInstanceId, attachedDevice;
  int64_t createdUnix = 0;
  std::vector<std::pair<std::string, std::string>> fields;
};

struct Snapshot {
  std::string id, name, volumeId, status, description;
  int64_t sizeGiB = 0;
  int64_t startTimeUnix = 0;
};

struct CreateOptions {
  std::string name, type, availabilityZone, encryptionKey, fromSnapshotId, fromVolumeId;
  int64_t sizeGiB = 0;
  int64_t iops = 0;
  bool encrypted = false;
  std::vector<std::pair<std::string, std::string>> extra;
};

struct AttachOptions {
  std::string volumeId, nextDevice;
  bool force = false;
};

// The per-call context: deadline and request id.
class Call {
public:
  explicit Call(const rxr_call *call) : _call(call) {}
  int64_t deadlineUnixMs() const { return _call ? _call->deadline_unix_ms : 0; }
  std::string requestId() const {
    return _call && _call->request_id ? _call->request_id : std::string();
  }
  // Milliseconds left before the deadline; a large number when there is none.
  int64_t remainingMs() const {
    if (deadlineUnixMs() == 0) return INT64_MAX / 2;
    using namespace std::chrono;
    const auto now =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    return deadlineUnixMs() - now;
  }
  bool expired() const { return remainingMs() <= 0; }
  void throwIfExpired(const std::string &what) const {
    if (expired()) throw Error(RXR_E_TIMEOUT, what + ": deadline exceeded");
  }

private:
  const rxr_call *_call;
};

// The host services table, wrapped.
class Host {
public:
  explicit Host(const rxr_host *host) : _host(host) {}
  const rxr_host *raw() const { return _host; }

  bool logEnabled(rxr_log_level level) const {
    if (!_host || !RXR_HAS(_host, rxr_host, log_enabled) || !_host->log_enabled) return true;
    return _host->log_enabled(_host, level) != 0;
  }
  void log(rxr_log_level level, const std::string &message) const {
    if (_host && RXR_HAS(_host, rxr_host, log) && _host->log && logEnabled(level))
      _host->log(_host, level, message.c_str());
  }
  void debug(const std::string &m) const { log(RXR_LOG_DEBUG, m); }
  void info(const std::string &m) const { log(RXR_LOG_INFO, m); }
  void warn(const std::string &m) const { log(RXR_LOG_WARN, m); }
  void error(const std::string &m) const { log(RXR_LOG_ERROR, m); }

  std::optional<std::string> config(const std::string &key) const {
    if (!_host || !RXR_HAS(_host, rxr_host, config_get) || !_host->config_get)
      return std::nullopt;
    char small[256];
    size_t needed = 0;
    rxr_status st = _host->config_get(_host, key.c_str(), small, sizeof small, &needed);
    if (st == RXR_OK) return std::string(small);
    if (st != RXR_E_TOO_SMALL || needed == 0) return std::nullopt;
    std::string big(needed, '\0');
    if (_host->config_get(_host, key.c_str(), big.data(), big.size(), &needed) != RXR_OK)
      return std::nullopt;
    big.resize(std::strlen(big.c_str()));
    return big;
  }
  std::string config(const std::string &key, const std::string &fallback) const {
    auto v = config(key);
    return v ? *v : fallback;
  }
  const void *extension(const char *id) const {
    if (!_host || !RXR_HAS(_host, rxr_host, get_extension) || !_host->get_extension)
      return nullptr;
    return _host->get_extension(_host, id);
  }

private:
  const rxr_host *_host;
};

// Derive from this. Each operation not overridden reports "unsupported".
class Driver {
public:
  Driver(const Host &host, std::string service) : _host(host), _service(std::move(service)) {}
  virtual ~Driver() = default;
  Driver(const Driver &) = delete;
  Driver &operator=(const Driver &) = delete;

  const Host &host() const { return _host; }
  const std::string &service() const { return _service; }

  virtual std::string instanceId(const Call &) { unsupported("instance_id"); }
  virtual std::string nextDevice(const Call &) { unsupported("next_device"); }
  virtual std::vector<Volume> volumes(const Call &) { unsupported("volumes_list"); }
  virtual Volume volume(const Call &, const std::string & /*id*/) { unsupported("volume_get"); }
  virtual Volume createVolume(const Call &, const CreateOptions &) {
    unsupported("volume_create");
  }
  virtual void removeVolume(const Call &, const std::string & /*id*/, bool /*force*/) {
    unsupported("volume_remove");
  }
  // Returns the attach token handed to waitForDevice.
  virtual std::string attachVolume(const Call &, const AttachOptions &) {
    unsupported("volume_attach");
  }
  virtual void detachVolume(const Call &, const std::string & /*id*/, bool /*force*/) {
    unsupported("volume_detach");
  }
  virtual std::string waitForDevice(const Call &, const std::string & /*volumeId*/,
                                    const std::string & /*token*/) {
    unsupported("wait_for_device");
  }
  virtual std::vector<Snapshot> snapshots(const Call &, const std::string & /*volumeId*/) {
    unsupported("snapshots_list");
  }
  virtual Snapshot createSnapshot(const Call &, const std::string & /*volumeId*/,
                                  const std::string & /*name*/,
                                  const std::string & /*description*/) {
    unsupported("snapshot_create");
  }
  virtual void removeSnapshot(const Call &, const std::string & /*id*/) {
    unsupported("snapshot_remove");
  }
  virtual Snapshot copySnapshot(const Call &, const std::string & /*id*/,
                                const std::string & /*destName*/,
                                const std::string & /*destRegion*/) {
    unsupported("snapshot_copy");
  }

protected:
  [[noreturn]] static void unsupported(const char *op) {
    throw Error(RXR_E_UNSUPPORTED, std::string(op) + " is not supported by this driver");
  }

private:
  Host _host;
  std::string _service;
};

namespace detail {

inline void setError(rxr_call *call, const char *message, int32_t backendCode = 0) {
  if (!call) return;
  call->error.backend_code = backendCode;
  std::strncpy(call->error.message, message, RXR_ERROR_MESSAGE_CAP - 1);
  call->error.message[RXR_ERROR_MESSAGE_CAP - 1] = '\0';
}

// Runs `body`, mapping every exception to a status.
template <typename F> rxr_status guarded(rxr_call *call, F &&body) noexcept {
  try {
    body();
    return RXR_OK;
  } catch (const Error &e) {
    setError(call, e.what(), e.backendCode());
    return e.status();
  } catch (const std::invalid_argument &e) {
    setError(call, e.what());
    return RXR_E_INVALID;
  } catch (const std::bad_alloc &) {
    setError(call, "out of memory");
    return RXR_E_INTERNAL;
  } catch (const std::exception &e) {
    setError(call, e.what());
    return RXR_E_INTERNAL;
  } catch (...) {
    setError(call, "unknown exception in driver");
    return RXR_E_INTERNAL;
  }
}

inline void copyOut(const std::string &value, char *buf, size_t cap, size_t *needed) {
  if (needed) *needed = value.size() + 1;
  if (!buf || cap < value.size() + 1)
    throw Error(RXR_E_TOO_SMALL, "output buffer too small");
  std::memcpy(buf, value.c_str(), value.size() + 1);
}

inline std::string str(const char *s) { return s ? std::string(s) : std::string(); }

inline rxr_status emitVolume(const rxr_volume_sink *sink, const Volume &v) {
  std::vector<rxr_kv> kvs;
  kvs.reserve(v.fields.size());
  for (const auto &f : v.fields) kvs.push_back({f.first.c_str(), f.second.c_str()});
  rxr_volume out{};
  out.struct_size = sizeof out;
  out.id = v.id.c_str();
  out.name = v.name.c_str();
  out.type = v.type.c_str();
  out.availability_zone = v.availabilityZone.c_str();
  out.status = v.status.c_str();
  out.size_gib = v.sizeGiB;
  out.iops = v.iops;
  out.encrypted = v.encrypted ? 1 : 0;
  out.attached_instance_id = v.attachedInstanceId.c_str();
  out.attached_device = v.attachedDevice.c_str();
  out.created_unix = v.createdUnix;
  out.fields = kvs.data();
  out.field_count = kvs.size();
  return sink && sink->emit ? sink->emit(sink->ctx, &out) : RXR_OK;
}

inline rxr_status emitSnapshot(const rxr_snapshot_sink *sink, const Snapshot &s) {
  rxr_snapshot out{};
  out.struct_size = sizeof out;
  out.id = s.id.c_str();
  out.name = s.name.c_str();
  out.volume_id = s.volumeId.c_str();
  out.status = s.status.c_str();
  out.description = s.description.c_str();
  out.size_gib = s.sizeGiB;
  out.start_time_unix = s.startTimeUnix;
  return sink && sink->emit ? sink->emit(sink->ctx, &out) : RXR_OK;
}

inline void check(rxr_status st) {
  if (st != RXR_OK) throw Error(st, "the host's sink refused a result");
}

inline Driver *self(rxr_driver *d) { return reinterpret_cast<Driver *>(d); }

// The C entry points for driver class D.
template <typename D> struct Trampolines {
  static rxr_status create(const rxr_host *host, const char *service, rxr_driver **out,
                           rxr_call *call) noexcept {
    return guarded(call, [&] {
      Driver *d = new D(Host(host), str(service));
      *out = reinterpret_cast<rxr_driver *>(d);
    });
  }
  static void destroy(rxr_driver *d) noexcept {
    try {
      delete self(d);
    } catch (...) {
    }
  }
  static rxr_status instanceId(rxr_driver *d, rxr_call *c, char *buf, size_t cap,
                               size_t *needed) noexcept {
    return guarded(c, [&] { copyOut(self(d)->instanceId(Call(c)), buf, cap, needed); });
  }
  static rxr_status nextDevice(rxr_driver *d, rxr_call *c, char *buf, size_t cap,
                               size_t *needed) noexcept {
    return guarded(c, [&] { copyOut(self(d)->nextDevice(Call(c)), buf, cap, needed); });
  }
  static rxr_status volumesList(rxr_driver *d, rxr_call *c, const rxr_volume_sink *s) noexcept {
    return guarded(c, [&] {
      for (const auto &v : self(d)->volumes(Call(c))) check(emitVolume(s, v));
    });
  }
  static rxr_status volumeGet(rxr_driver *d, rxr_call *c, const char *id,
                              const rxr_volume_sink *s) noexcept {
    return guarded(c, [&] { check(emitVolume(s, self(d)->volume(Call(c), str(id)))); });
  }
  static rxr_status volumeCreate(rxr_driver *d, rxr_call *c, const rxr_volume_create_opts *o,
                                 const rxr_volume_sink *s) noexcept {
    return guarded(c, [&] {
      if (!o) throw std::invalid_argument("volume_create: no options");
      CreateOptions opts;
      opts.name = str(o->name);
      opts.type = str(o->type);
      opts.availabilityZone = str(o->availability_zone);
      opts.sizeGiB = o->size_gib;
      opts.iops = o->iops;
      opts.encrypted = o->encrypted != 0;
      opts.encryptionKey = str(o->encryption_key);
      opts.fromSnapshotId = str(o->from_snapshot_id);
      opts.fromVolumeId = str(o->from_volume_id);
      for (size_t i = 0; o->extra && i < o->extra_count; ++i)
        opts.extra.emplace_back(str(o->extra[i].key), str(o->extra[i].value));
      check(emitVolume(s, self(d)->createVolume(Call(c), opts)));
    });
  }
  static rxr_status volumeRemove(rxr_driver *d, rxr_call *c, const char *id,
                                 int32_t force) noexcept {
    return guarded(c, [&] { self(d)->removeVolume(Call(c), str(id), force != 0); });
  }
  static rxr_status volumeAttach(rxr_driver *d, rxr_call *c, const rxr_attach_opts *o,
                                 char *buf, size_t cap, size_t *needed) noexcept {
    return guarded(c, [&] {
      if (!o) throw std::invalid_argument("volume_attach: no options");
      AttachOptions opts;
      opts.volumeId = str(o->volume_id);
      opts.nextDevice = str(o->next_device);
      opts.force = o->force != 0;
      copyOut(self(d)->attachVolume(Call(c), opts), buf, cap, needed);
    });
  }
  static rxr_status volumeDetach(rxr_driver *d, rxr_call *c, const char *id,
                                 int32_t force) noexcept {
    return guarded(c, [&] { self(d)->detachVolume(Call(c), str(id), force != 0); });
  }
  static rxr_status waitForDevice(rxr_driver *d, rxr_call *c, const char *volumeId,
                                  const char *token, char *buf, size_t cap,
                                  size_t *needed) noexcept {
    return guarded(c, [&] {
      copyOut(self(d)->waitForDevice(Call(c), str(volumeId), str(token)), buf, cap, needed);
    });
  }
  static rxr_status snapshotsList(rxr_driver *d, rxr_call *c, const char *volumeId,
                                  const rxr_snapshot_sink *s) noexcept {
    return guarded(c, [&] {
      for (const auto &snap : self(d)->snapshots(Call(c), str(volumeId)))
        check(emitSnapshot(s, snap));
    });
  }
  static rxr_status snapshotCreate(rxr_driver *d, rxr_call *c, const char *volumeId,
                                   const char *name, const char *description,
                                   const rxr_snapshot_sink *s) noexcept {
    return guarded(c, [&] {
      check(emitSnapshot(
          s, self(d)->createSnapshot(Call(c), str(volumeId), str(name), str(description))));
    });
  }
  static rxr_status snapshotRemove(rxr_driver *d, rxr_call *c, const char *id) noexcept {
    return guarded(c, [&] { self(d)->removeSnapshot(Call(c), str(id)); });
  }
  static rxr_status snapshotCopy(rxr_driver *d, rxr_call *c, const char *id,
                                 const char *destName, const char *destRegion,
                                 const rxr_snapshot_sink *s) noexcept {
    return guarded(c, [&] {
      check(emitSnapshot(
          s, self(d)->copySnapshot(Call(c), str(id), str(destName), str(destRegion))));
    });
  }

  // constexpr so the entry struct is constant-initialized: the host can read
  // it before any of the plugin's code has run.
  static constexpr rxr_driver_vtable table = {
      sizeof(rxr_driver_vtable), create,        destroy,       instanceId,     nextDevice,
      volumesList,               volumeGet,     volumeCreate,  volumeRemove,   volumeAttach,
      volumeDetach,              waitForDevice, snapshotsList, snapshotCreate, snapshotRemove,
      snapshotCopy};
};

} // namespace detail
} // namespace rexray::sdk

// Emits the entry struct under `symbol`. Use RXR_EXPORT_DRIVER for a plugin;
// this form lets a driver be linked into the host statically under its own name.
#define RXR_DEFINE_DRIVER_ENTRY(symbol, DriverClass, id, name, version, vendor, description,   \
                                features, flags)                                               \
  extern "C" RXR_EXPORT const rxr_plugin_entry symbol;                                         \
  extern "C" RXR_EXPORT const rxr_plugin_entry symbol = {                                      \
      sizeof(rxr_plugin_entry),                                                                \
      RXR_ABI_MAJOR,                                                                           \
      RXR_ABI_MINOR,                                                                           \
      (flags),                                                                                 \
      (id),                                                                                    \
      (name),                                                                                  \
      (version),                                                                               \
      (vendor),                                                                                \
      (description),                                                                           \
      (features),                                                                              \
      nullptr,                                                                                 \
      nullptr,                                                                                 \
      &::rexray::sdk::detail::Trampolines<DriverClass>::table}

#define RXR_EXPORT_DRIVER(DriverClass, id, name, version, vendor, description, features, flags) \
  RXR_DEFINE_DRIVER_ENTRY(rxr_plugin_entry_v1, DriverClass, id, name, version, vendor,          \
                          description, features, flags)

#endif // REXRAY_SDK_DRIVER_HPP
