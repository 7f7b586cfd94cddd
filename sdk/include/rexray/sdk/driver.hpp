// Header-only C++17 helper over driver.h: derive from rexray::sdk::Driver,
// override the operations the backend supports, describe the plugin, and
// export it in one .cpp file:
//
//   constexpr const char *kFeatures[] = {"block", "snapshots", nullptr};
//   constexpr rxr_config_key kKeys[] = {
//       rexray::sdk::key("endpoint", RXR_TYPE_STRING, "https://api.example", "API endpoint"),
//       rexray::sdk::secret("password", "API password")};
//   constexpr auto kPlugin = rexray::sdk::Plugin("com.example.my", "my", "1.0.0")
//       .vendor("Example Inc.").description("What it does")
//       .features(kFeatures).configKeys(kKeys);
//   RXR_EXPORT_DRIVER(MyDriver, kPlugin)
//
// The macro emits the rxr_plugin_entry_v1 symbol and a driver table whose
// slots are filled only for the operations MyDriver overrides (a NULL slot
// means "unsupported" to the host and to `rexray plugins inspect`). Static
// `init(const Host &)` and `deinit()` members, when MyDriver declares them,
// become the entry's init and deinit. Every exception is caught at the
// boundary and becomes an rxr_status plus message.
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
#include <type_traits>
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
  // Since ABI 1.3: the instance to attach to; "" = this one.
  std::string instanceId;
};

// Since ABI 1.3: this instance's zone ("" = none) and attach limit (0 = none known).
struct InstanceInfo {
  std::string zone;
  int64_t maxAttachments = 0;
};

// Now on the clock the ABI's deadlines use (CLOCK_MONOTONIC), in milliseconds.
inline int64_t monotonicNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// The per-call context: the request's deadline and id.
class Call {
public:
  using Clock = std::chrono::steady_clock; // CLOCK_MONOTONIC, as the ABI's deadline

  explicit Call(const rxr_call *call) : _call(call) {}
  // CLOCK_MONOTONIC milliseconds; 0 = none.
  int64_t deadlineMonoMs() const { return _call ? _call->deadline_mono_ms : 0; }
  bool hasDeadline() const { return deadlineMonoMs() != 0; }
  // The deadline as a time point; far in the future when there is none.
  Clock::time_point deadline() const {
    if (!hasDeadline()) return Clock::time_point::max();
    return Clock::time_point(std::chrono::milliseconds(deadlineMonoMs()));
  }
  std::string requestId() const {
    return _call && _call->request_id ? _call->request_id : std::string();
  }
  // Milliseconds left before the deadline; a large number when there is none.
  int64_t remainingMs() const {
    if (!hasDeadline()) return INT64_MAX / 2;
    return deadlineMonoMs() - monotonicNowMs();
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
    if (!_host || !RXR_HAS(_host, rxr_host, config_get) || !_host->config_get) return std::nullopt;
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
  // This instance's state directory ("" in init, or from an older host).
  std::string stateDir() const {
    if (!_host || !RXR_HAS(_host, rxr_host, state_dir) || !_host->state_dir) return {};
    return _host->state_dir;
  }

private:
  const rxr_host *_host;
};

// Derive from this and override the operations the backend supports; the
// export macro leaves the slots of the others NULL.
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
  virtual Volume createVolume(const Call &, const CreateOptions &) { unsupported("volume_create"); }
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
  // Since ABI 1.2: grow to at least sizeGiB; returns the volume afterwards.
  virtual Volume expandVolume(const Call &, const std::string & /*id*/, int64_t /*sizeGiB*/) {
    unsupported("volume_expand");
  }
  // Since ABI 1.3: this instance's zone and attach limit.
  virtual InstanceInfo instanceInfo(const Call &) { unsupported("instance_info"); }
  // Since ABI 1.3: bytes available for new volumes in `zone` ("" = the default).
  virtual int64_t capacityBytes(const Call &, const std::string & /*zone*/) {
    unsupported("capacity");
  }

protected:
  [[noreturn]] static void unsupported(const char *op) {
    throw Error(RXR_E_UNSUPPORTED, std::string(op) + " is not supported by this driver");
  }

private:
  Host _host;
  std::string _service;
};

// A configuration key of the plugin's section (see rxr_config_key).
constexpr rxr_config_key key(const char *name, rxr_value_type type, const char *defaultValue,
                             const char *description, const char *const *aliases = nullptr) {
  return {sizeof(rxr_config_key), type, name, defaultValue, description, aliases, 0u};
}
// A string key whose value is redacted in `rexray env`, logs and errors.
constexpr rxr_config_key secret(const char *name, const char *description,
                                const char *const *aliases = nullptr) {
  return {sizeof(rxr_config_key), RXR_TYPE_STRING, name, nullptr, description, aliases,
          RXR_KEY_SECRET};
}
// A driver-specific option of volume_create (see rxr_create_option).
constexpr rxr_create_option option(const char *name, rxr_value_type type, const char *description) {
  return {sizeof(rxr_create_option), type, name, description};
}

// What a plugin says about itself; RXR_EXPORT_DRIVER turns it into the entry.
// Built with constexpr setters so every field is named where it is set.
class Plugin {
public:
  constexpr Plugin(const char *id, const char *name, const char *version)
      : _id(id), _name(name), _version(version) {}
  constexpr Plugin vendor(const char *v) const { return with(&Plugin::_vendor, v); }
  constexpr Plugin description(const char *v) const { return with(&Plugin::_description, v); }
  // NULL-terminated.
  constexpr Plugin features(const char *const *v) const { return with(&Plugin::_features, v); }
  // NULL-terminated other driver names.
  constexpr Plugin aliases(const char *const *v) const { return with(&Plugin::_aliases, v); }
  constexpr Plugin flags(uint32_t v) const { return with(&Plugin::_flags, v); }
  template <size_t N> constexpr Plugin configKeys(const rxr_config_key (&keys)[N]) const {
    Plugin p = *this;
    p._keys = keys;
    p._keyCount = N;
    return p;
  }
  template <size_t N> constexpr Plugin createOptions(const rxr_create_option (&opts)[N]) const {
    Plugin p = *this;
    p._options = opts;
    p._optionCount = N;
    return p;
  }

  template <typename D> constexpr rxr_plugin_entry entry() const;

private:
  template <typename T> constexpr Plugin with(T Plugin::*field, T value) const {
    Plugin p = *this;
    p.*field = value;
    return p;
  }

  const char *_id, *_name, *_version;
  const char *_vendor = "", *_description = "";
  const char *const *_features = nullptr;
  const char *const *_aliases = nullptr;
  uint32_t _flags = RXR_FLAG_NONE;
  const rxr_config_key *_keys = nullptr;
  size_t _keyCount = 0;
  const rxr_create_option *_options = nullptr;
  size_t _optionCount = 0;
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

inline void check(rxr_status st) {
  if (st != RXR_OK) throw Error(st, "the host's sink refused a result");
}

inline void emitString(const rxr_string_sink *sink, const std::string &value) {
  if (sink && sink->emit) check(sink->emit(sink->ctx, value.c_str()));
}

inline std::string str(const char *s) {
  return s ? std::string(s) : std::string();
}

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

inline Driver *self(rxr_driver *d) {
  return reinterpret_cast<Driver *>(d);
}

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
  static rxr_status instanceId(rxr_driver *d, rxr_call *c, const rxr_string_sink *s) noexcept {
    return guarded(c, [&] { emitString(s, self(d)->instanceId(Call(c))); });
  }
  static rxr_status nextDevice(rxr_driver *d, rxr_call *c, const rxr_string_sink *s) noexcept {
    return guarded(c, [&] { emitString(s, self(d)->nextDevice(Call(c))); });
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
                                 const rxr_string_sink *s) noexcept {
    return guarded(c, [&] {
      if (!o) throw std::invalid_argument("volume_attach: no options");
      AttachOptions opts;
      opts.volumeId = str(o->volume_id);
      opts.nextDevice = str(o->next_device);
      opts.force = o->force != 0;
      if (RXR_HAS(o, rxr_attach_opts, instance_id)) opts.instanceId = str(o->instance_id);
      emitString(s, self(d)->attachVolume(Call(c), opts));
    });
  }
  static rxr_status volumeDetach(rxr_driver *d, rxr_call *c, const char *id,
                                 int32_t force) noexcept {
    return guarded(c, [&] { self(d)->detachVolume(Call(c), str(id), force != 0); });
  }
  static rxr_status waitForDevice(rxr_driver *d, rxr_call *c, const char *volumeId,
                                  const char *token, const rxr_string_sink *s) noexcept {
    return guarded(
        c, [&] { emitString(s, self(d)->waitForDevice(Call(c), str(volumeId), str(token))); });
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
  static rxr_status snapshotCopy(rxr_driver *d, rxr_call *c, const char *id, const char *destName,
                                 const char *destRegion, const rxr_snapshot_sink *s) noexcept {
    return guarded(c, [&] {
      check(
          emitSnapshot(s, self(d)->copySnapshot(Call(c), str(id), str(destName), str(destRegion))));
    });
  }

  static rxr_status volumeExpand(rxr_driver *d, rxr_call *c, const char *id, int64_t sizeGiB,
                                 const rxr_volume_sink *s) noexcept {
    return guarded(c,
                   [&] { check(emitVolume(s, self(d)->expandVolume(Call(c), str(id), sizeGiB))); });
  }

  static rxr_status instanceInfo(rxr_driver *d, rxr_call *c, const rxr_instance_sink *s) noexcept {
    return guarded(c, [&] {
      const InstanceInfo info = self(d)->instanceInfo(Call(c));
      rxr_instance_info out{};
      out.struct_size = sizeof out;
      out.zone = info.zone.c_str();
      out.max_attachments = info.maxAttachments;
      if (s && s->emit) check(s->emit(s->ctx, &out));
    });
  }
  static rxr_status capacity(rxr_driver *d, rxr_call *c, const char *zone,
                             int64_t *availableBytes) noexcept {
    return guarded(c, [&] {
      if (!availableBytes) throw std::invalid_argument("capacity: no result pointer");
      *availableBytes = self(d)->capacityBytes(Call(c), str(zone));
    });
  }

  static rxr_status init(const rxr_host *host, rxr_call *call) noexcept {
    return guarded(call, [&] { D::init(Host(host)); });
  }
  static void deinit() noexcept {
    try {
      D::deinit();
    } catch (...) {
    }
  }

// True when D declares its own `op` (an override), rather than inheriting
// Driver's: &D::op then names a member of D, not of Driver.
#define RXR_DETAIL_OVERRIDES(op) (!std::is_same_v<decltype(&D::op), decltype(&Driver::op)>)
#define RXR_DETAIL_SLOT(op, fn) (RXR_DETAIL_OVERRIDES(op) ? &fn : nullptr)

  // constexpr so the entry struct is constant-initialized: the host can read
  // it before any of the plugin's code has run.
  static constexpr rxr_driver_vtable table = {sizeof(rxr_driver_vtable),
                                              create,
                                              destroy,
                                              RXR_DETAIL_SLOT(instanceId, instanceId),
                                              RXR_DETAIL_SLOT(nextDevice, nextDevice),
                                              RXR_DETAIL_SLOT(volumes, volumesList),
                                              RXR_DETAIL_SLOT(volume, volumeGet),
                                              RXR_DETAIL_SLOT(createVolume, volumeCreate),
                                              RXR_DETAIL_SLOT(removeVolume, volumeRemove),
                                              RXR_DETAIL_SLOT(attachVolume, volumeAttach),
                                              RXR_DETAIL_SLOT(detachVolume, volumeDetach),
                                              RXR_DETAIL_SLOT(waitForDevice, waitForDevice),
                                              RXR_DETAIL_SLOT(snapshots, snapshotsList),
                                              RXR_DETAIL_SLOT(createSnapshot, snapshotCreate),
                                              RXR_DETAIL_SLOT(removeSnapshot, snapshotRemove),
                                              RXR_DETAIL_SLOT(copySnapshot, snapshotCopy),
                                              RXR_DETAIL_SLOT(expandVolume, volumeExpand),
                                              RXR_DETAIL_SLOT(instanceInfo, instanceInfo),
                                              RXR_DETAIL_SLOT(capacityBytes, capacity)};
#undef RXR_DETAIL_SLOT
#undef RXR_DETAIL_OVERRIDES
};

template <typename D, typename = void> struct HasInit : std::false_type {};
template <typename D>
struct HasInit<D, std::void_t<decltype(D::init(std::declval<const Host &>()))>> : std::true_type {};
template <typename D, typename = void> struct HasDeinit : std::false_type {};
template <typename D> struct HasDeinit<D, std::void_t<decltype(D::deinit())>> : std::true_type {};

using InitFn = rxr_status (*)(const rxr_host *, rxr_call *);
using DeinitFn = void (*)(void);
// `if constexpr`, so that the trampolines of a driver without init/deinit are
// never instantiated.
template <typename D> constexpr InitFn initSlot() {
  if constexpr (HasInit<D>::value)
    return &Trampolines<D>::init;
  else
    return nullptr;
}
template <typename D> constexpr DeinitFn deinitSlot() {
  if constexpr (HasDeinit<D>::value)
    return &Trampolines<D>::deinit;
  else
    return nullptr;
}

} // namespace detail

template <typename D> constexpr rxr_plugin_entry Plugin::entry() const {
  return {sizeof(rxr_plugin_entry),
          RXR_ABI_MAJOR,
          RXR_ABI_MINOR,
          _flags,
          _id,
          _name,
          _version,
          _vendor,
          _description,
          _features,
          detail::initSlot<D>(),
          detail::deinitSlot<D>(),
          &detail::Trampolines<D>::table,
          _aliases,
          _keys,
          _keyCount,
          _options,
          _optionCount};
}

} // namespace rexray::sdk

// Emits the entry struct under `symbol`. Use RXR_EXPORT_DRIVER for a plugin;
// this form lets a driver be linked into the host statically under its own name.
#define RXR_DEFINE_DRIVER_ENTRY(symbol, DriverClass, plugin)                                       \
  extern "C" RXR_EXPORT const rxr_plugin_entry symbol;                                             \
  extern "C" RXR_EXPORT const rxr_plugin_entry symbol = (plugin).entry<DriverClass>()

#define RXR_EXPORT_DRIVER(DriverClass, plugin)                                                     \
  RXR_DEFINE_DRIVER_ENTRY(rxr_plugin_entry_v1, DriverClass, plugin)

#endif // REXRAY_SDK_DRIVER_HPP
