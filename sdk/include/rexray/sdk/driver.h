/*
 * rexray storage driver ABI, major version 1.
 *
 * Plain C99 so that a driver can be written with any compiler and language that
 * speaks the C calling convention. Rules (see sdk/README.md):
 *  - A plugin exports exactly one symbol: the const data struct
 *    `rxr_plugin_entry_v1`. The host reads its metadata (names, features,
 *    configuration schema, create options) without calling plugin code.
 *  - Every shared struct starts with `struct_size`. Fields are only appended;
 *    the reader checks RXR_HAS before touching a field a peer may not have.
 *  - No C++ type, exception or allocator crosses this boundary. Calls return an
 *    rxr_status; details go into the caller-owned rxr_call.error.
 *  - Ownership is stated on every pointer: BORROWED means valid only for the
 *    duration of the call (or of the emit callback) and must be copied to be
 *    kept; STATIC means valid until the process exits.
 *  - Results, strings included, are handed to host-owned sinks that copy at
 *    once: no operation is ever repeated because an output was too long.
 *
 * Threading contract:
 *  - Without RXR_FLAG_SERIALIZE the host may run any operations concurrently
 *    on one driver instance, from any thread; the driver does its own locking.
 *    With it, the host runs at most one operation at a time per instance.
 *  - create() and destroy() never overlap an operation on that instance, and
 *    destroy() is called once, after the last operation has returned.
 *  - init() runs once per process, on the host's main thread, before any
 *    create(); deinit() runs once, after every destroy(). Plugins are never
 *    unloaded.
 *  - The host's services (rxr_host) may be called from any thread.
 *
 * Error messages (rxr_error.message): one line, no trailing period, naming the
 * object and what failed ("volume vol-1 is attached to i-2"). Do not prefix the
 * driver or service name: the host adds it. Never include a secret.
 */
#ifndef REXRAY_SDK_DRIVER_H
#define REXRAY_SDK_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RXR_ABI_MAJOR 1u
/* Minor 1 is the first released layout. Minor 0 was a pre-release whose
 * `features` and deadline fields meant something else: the host refuses it.
 * Minor 2 appends volume_expand to the driver table. Minor 3 appends
 * instance_info and capacity to it, instance_id to rxr_attach_opts, and the
 * status RXR_E_EXHAUSTED. */
#define RXR_ABI_MINOR 3u

/* A feature string (rxr_plugin_entry.features): see there. */
#define RXR_FEATURE_UNIQUE_NAMES "unique-names"

/* Name of the one exported symbol; the major version is part of the name. */
#define RXR_PLUGIN_ENTRY_SYMBOL "rxr_plugin_entry_v1"

/* True when the struct at `p` (of type T) is large enough to hold `field`. */
#define RXR_HAS(p, T, field) ((p)->struct_size >= offsetof(T, field) + sizeof(((T *)0)->field))

#if defined(_WIN32)
#define RXR_EXPORT __declspec(dllexport)
#else
#define RXR_EXPORT __attribute__((visibility("default")))
#endif

/* ---- status and errors ------------------------------------------------- */

typedef int32_t rxr_status;
enum {
  RXR_OK = 0,
  RXR_E_NOT_FOUND = 1,   /* the volume / snapshot / instance does not exist */
  RXR_E_INVALID = 2,     /* bad argument or configuration */
  RXR_E_UNSUPPORTED = 3, /* the driver does not implement this operation */
  RXR_E_TIMEOUT = 4,     /* the call's deadline passed */
  RXR_E_AUTH = 5,        /* the backend refused our credentials */
  RXR_E_BACKEND = 6,     /* the backend failed; backend_code may say more */
  RXR_E_TOO_SMALL = 7,   /* config_get: the caller's buffer was too small */
  RXR_E_BUSY = 8,        /* in use, locked, or attached elsewhere */
  RXR_E_EXISTS = 9,      /* an object with that name already exists */
  RXR_E_INTERNAL = 10,   /* a bug or an unexpected condition in the driver */
  /* since 1.3: out of space or quota, an instance's attach limit reached, or
   * no capacity in the zone asked for (a 1.2 host reads it as RXR_E_INTERNAL) */
  RXR_E_EXHAUSTED = 11
};

#define RXR_ERROR_MESSAGE_CAP 512

typedef struct rxr_error {
  int32_t backend_code;                /* backend-specific, 0 when none */
  char message[RXR_ERROR_MESSAGE_CAP]; /* NUL-terminated, human readable */
} rxr_error;

/* Per call, CALLER-owned. The host fills the inputs; the driver fills `error`
 * when it returns anything but RXR_OK.
 *
 * The deadline is the request's: the front end that received it set it once,
 * and every layer, retry and wait inside the driver must honour it (return
 * RXR_E_TIMEOUT, having undone what it started, rather than run past it). It
 * is read on CLOCK_MONOTONIC (std::chrono::steady_clock on Linux), which an
 * NTP step cannot move. */
typedef struct rxr_call {
  uint32_t struct_size;
  int64_t deadline_mono_ms; /* in: CLOCK_MONOTONIC milliseconds; 0 = none */
  const char *request_id;   /* in, BORROWED: for log correlation, may be "" */
  rxr_error error;          /* out */
} rxr_call;

/* ---- data passed across the boundary ----------------------------------- */

typedef struct rxr_kv {
  const char *key;   /* BORROWED */
  const char *value; /* BORROWED */
} rxr_kv;

/* A volume as the backend sees it. Every pointer is BORROWED from the driver
 * and valid only inside the sink's emit(); the host copies at once. Unknown
 * strings are NULL or "". */
typedef struct rxr_volume {
  uint32_t struct_size;
  const char *id;
  const char *name;
  const char *type; /* backend volume type, e.g. "gp3" */
  const char *availability_zone;
  const char *status; /* backend status text, e.g. "available" */
  int64_t size_gib;
  int64_t iops;
  int32_t encrypted;                /* 0 or 1 */
  const char *attached_instance_id; /* NULL/"" when not attached */
  const char *attached_device;      /* device name the backend reports */
  int64_t created_unix;             /* seconds since the epoch, 0 unknown */
  const rxr_kv *fields;             /* extra backend fields */
  size_t field_count;
} rxr_volume;

typedef struct rxr_snapshot {
  uint32_t struct_size;
  const char *id;
  const char *name;
  const char *volume_id;
  const char *status;
  const char *description;
  int64_t size_gib;
  int64_t start_time_unix;
} rxr_snapshot;

/* HOST-owned sinks: the driver calls emit() once per result. A non-OK return
 * from emit() asks the driver to stop and return that status. */
typedef struct rxr_volume_sink {
  void *ctx;
  rxr_status (*emit)(void *ctx, const rxr_volume *volume);
} rxr_volume_sink;

typedef struct rxr_snapshot_sink {
  void *ctx;
  rxr_status (*emit)(void *ctx, const rxr_snapshot *snapshot);
} rxr_snapshot_sink;

/* HOST-owned sink for one string result (instance id, attach token, device
 * path); `value` is BORROWED and copied at once, whatever its length. */
typedef struct rxr_string_sink {
  void *ctx;
  rxr_status (*emit)(void *ctx, const char *value);
} rxr_string_sink;

/* since 1.3: where this instance stands in the backend (instance_info).
 * Every pointer is BORROWED and valid only inside the sink's emit(). */
typedef struct rxr_instance_info {
  uint32_t struct_size;
  /* The zone this instance is in, as volumes report theirs
   * (rxr_volume.availability_zone) and volume_create takes it; volumes
   * attach only to instances of their own zone. NULL/"" = no zones. */
  const char *zone;
  /* How many volumes the backend attaches to one instance at most; 0 = no
   * limit the driver knows. */
  int64_t max_attachments;
} rxr_instance_info;

/* since 1.3: HOST-owned sink for instance_info; copies at once. */
typedef struct rxr_instance_sink {
  void *ctx;
  rxr_status (*emit)(void *ctx, const rxr_instance_info *info);
} rxr_instance_sink;

/* Input to volume_create; CALLER-owned, every pointer BORROWED. */
typedef struct rxr_volume_create_opts {
  uint32_t struct_size;
  const char *name;
  const char *type;              /* NULL/"" = backend default */
  const char *availability_zone; /* NULL/"" = this instance's zone */
  int64_t size_gib;              /* 0 = take the source's size */
  int64_t iops;                  /* 0 = backend default */
  int32_t encrypted;
  const char *encryption_key;   /* NULL/"" = backend default key */
  const char *from_snapshot_id; /* restore from this snapshot */
  const char *from_volume_id;   /* copy this volume */
  /* The driver's own create options (rxr_plugin_entry.create_options) the
   * caller gave, by their declared names, values already checked against the
   * declared types. Nothing undeclared is ever passed. */
  const rxr_kv *extra;
  size_t extra_count;
} rxr_volume_create_opts;

/* Input to volume_attach; CALLER-owned, every pointer BORROWED. */
typedef struct rxr_attach_opts {
  uint32_t struct_size;
  const char *volume_id;
  const char *next_device; /* hint from next_device(), may be NULL */
  int32_t force;           /* detach from any other instance first */
  /* since 1.3: the instance to attach to, as instance_id() names instances
   * (the host sends another host's when an orchestrator attaches a volume to
   * that node); NULL/"" = this instance. The host sends another instance's
   * only to a plugin built for 1.3 or later. A driver that cannot attach
   * there (it attaches to its own host only, or knows no such instance)
   * returns RXR_E_NOT_FOUND naming it. No device is waited for then: the
   * token emitted is for that host's own wait_for_device. */
  const char *instance_id;
} rxr_attach_opts;

/* ---- host services ----------------------------------------------------- */

typedef enum rxr_log_level {
  RXR_LOG_DEBUG = 0,
  RXR_LOG_INFO = 1,
  RXR_LOG_WARN = 2,
  RXR_LOG_ERROR = 3
} rxr_log_level;

/* HOST-owned, one per driver instance, valid until that instance's destroy()
 * returns. Every function is thread-safe. */
typedef struct rxr_host {
  uint32_t struct_size;
  uint32_t abi_minor; /* the host's ABI minor version */
  void *host_data;    /* opaque to the driver */
  /* msg BORROWED. The host adds the driver name and request id. */
  void (*log)(const struct rxr_host *host, rxr_log_level level, const char *msg);
  int (*log_enabled)(const struct rxr_host *host, rxr_log_level level);
  /* Reads one of the keys the plugin declared (rxr_plugin_entry.config_keys)
   * for this instance: "<service>.<key>", then "<driver>.<key>", then the
   * driver's alias sections, each under the key's own aliases too; flag > env
   * > file. The host has already checked the value against the declared type.
   * An unset key yields its declared default. Writes a NUL-terminated string
   * into the CALLER-owned buf; *needed (may be NULL) receives the size
   * including the NUL. RXR_E_NOT_FOUND when unset with no default,
   * RXR_E_TOO_SMALL when cap is short (side-effect free: ask again). Lists are
   * returned space-separated; durations as given ("30s"). */
  rxr_status (*config_get)(const struct rxr_host *host, const char *key, char *buf, size_t cap,
                           size_t *needed);
  /* Reserved for optional host services looked up by id; ABI 1.1 defines
   * none and the host returns NULL for every id. */
  const void *(*get_extension)(const struct rxr_host *host, const char *id);
  /* since 1.1: a directory for this instance's own state, owned by the host
   * (<state dir>/<service>; it may not exist yet: create it, mode 0700, when
   * needed). STATIC for the instance's lifetime; NULL in the host passed to
   * init(). Drivers never derive paths from the environment themselves. */
  const char *state_dir;
} rxr_host;

/* ---- the driver -------------------------------------------------------- */

typedef struct rxr_driver rxr_driver; /* opaque, PLUGIN-owned */

/* A NULL slot means the operation is unsupported; the host reports
 * RXR_E_UNSUPPORTED without calling, and `rexray plugins inspect` lists the
 * slots that are set. Every op writes `call->error` on failure. Results go to
 * host-owned sinks; an op emits exactly the results it documents. */
typedef struct rxr_driver_vtable {
  uint32_t struct_size;
  /* Creates a driver instance for the service named `service` (BORROWED).
   * `host` stays valid until destroy(). *out is PLUGIN-owned. */
  rxr_status (*create)(const rxr_host *host, const char *service, rxr_driver **out, rxr_call *call);
  /* Destroys an instance; joins every thread it started. */
  void (*destroy)(rxr_driver *driver);
  /* This host's identity as the backend knows it. */
  rxr_status (*instance_id)(rxr_driver *driver, rxr_call *call, const rxr_string_sink *out);
  /* A device name hint for the next attach (block drivers). */
  rxr_status (*next_device)(rxr_driver *driver, rxr_call *call, const rxr_string_sink *out);
  rxr_status (*volumes_list)(rxr_driver *driver, rxr_call *call, const rxr_volume_sink *sink);
  /* Emits exactly one volume, or returns RXR_E_NOT_FOUND. id BORROWED. */
  rxr_status (*volume_get)(rxr_driver *driver, rxr_call *call, const char *id,
                           const rxr_volume_sink *sink);
  /* Emits the created volume. */
  rxr_status (*volume_create)(rxr_driver *driver, rxr_call *call,
                              const rxr_volume_create_opts *opts, const rxr_volume_sink *sink);
  rxr_status (*volume_remove)(rxr_driver *driver, rxr_call *call, const char *id, int32_t force);
  /* Attaches to this instance (since 1.3: or to opts->instance_id) and
   * emits one attach token (a device hint the driver understands in
   * wait_for_device; may be ""). Called once per attach: the host never
   * repeats it. */
  rxr_status (*volume_attach)(rxr_driver *driver, rxr_call *call, const rxr_attach_opts *opts,
                              const rxr_string_sink *token);
  /* Detaches from whatever instance holds it; force = even when in use. */
  rxr_status (*volume_detach)(rxr_driver *driver, rxr_call *call, const char *id, int32_t force);
  /* Turns an attach token into the local device path, emitted once, waiting
   * until it exists or the deadline passes. */
  rxr_status (*wait_for_device)(rxr_driver *driver, rxr_call *call, const char *volume_id,
                                const char *token, const rxr_string_sink *device);
  /* volume_id NULL or "" = every snapshot. */
  rxr_status (*snapshots_list)(rxr_driver *driver, rxr_call *call, const char *volume_id,
                               const rxr_snapshot_sink *sink);
  rxr_status (*snapshot_create)(rxr_driver *driver, rxr_call *call, const char *volume_id,
                                const char *name, const char *description,
                                const rxr_snapshot_sink *sink);
  rxr_status (*snapshot_remove)(rxr_driver *driver, rxr_call *call, const char *id);
  /* dest_region NULL or "" = the same region. */
  rxr_status (*snapshot_copy)(rxr_driver *driver, rxr_call *call, const char *snapshot_id,
                              const char *dest_name, const char *dest_region,
                              const rxr_snapshot_sink *sink);
  /* since 1.2: grows volume `id` (BORROWED) to at least size_gib and emits
   * the volume as it is afterwards (its new size_gib). A volume already that
   * large is left alone and emitted as it is; shrinking is never done. When
   * the volume is attached here, the local device shows the new size once
   * this returns (the file system on it is the host's to grow). A table that
   * ends before this slot (a plugin built for 1.1) means "unsupported". */
  rxr_status (*volume_expand)(rxr_driver *driver, rxr_call *call, const char *id, int64_t size_gib,
                              const rxr_volume_sink *sink);
  /* since 1.3: emits this instance's rxr_instance_info once. Set it only
   * when the backend has zones or an attach limit: the CSI front end
   * offers topology (accessibility constraints) for a driver that reports a
   * zone. A table that ends before this slot means "unsupported". */
  rxr_status (*instance_info)(rxr_driver *driver, rxr_call *call, const rxr_instance_sink *out);
  /* since 1.3: writes to *available_bytes the capacity left for new volumes
   * in `zone` (BORROWED; NULL/"" = where volume_create puts a volume by
   * default), e.g. the free space of the file system volumes live on. Set
   * it only when the backend can tell; a zone the driver does not serve is
   * RXR_E_NOT_FOUND. A table that ends before this slot means "unsupported". */
  rxr_status (*capacity)(rxr_driver *driver, rxr_call *call, const char *zone,
                         int64_t *available_bytes);
} rxr_driver_vtable;

/* ---- what a plugin declares about itself -------------------------------- */

/* Value types of configuration keys and create options. The host checks
 * values against them at the edge, with the file:line, variable or flag. */
typedef enum rxr_value_type {
  RXR_TYPE_STRING = 0,
  RXR_TYPE_BOOL = 1,     /* true/false, yes/no, on/off, 1/0 */
  RXR_TYPE_INT = 2,      /* a non-negative integer */
  RXR_TYPE_DURATION = 3, /* "500ms", "30s", "2m", "1h", or plain seconds */
  RXR_TYPE_LIST = 4      /* a YAML list; space-separated in env, flags and config_get */
} rxr_value_type;

#define RXR_KEY_SECRET 1u /* redacted in `rexray env`, logs and errors */

/* One key of the plugin's configuration section. STATIC. */
typedef struct rxr_config_key {
  uint32_t struct_size;
  int32_t type;               /* rxr_value_type */
  const char *key;            /* canonical spelling, e.g. "endpoint" */
  const char *default_value;  /* as text; NULL = none */
  const char *description;    /* one line, shown by `rexray plugins inspect` */
  const char *const *aliases; /* NULL-terminated other spellings (older REX-Ray
                                 or libStorage names), or NULL */
  uint32_t flags;             /* RXR_KEY_* */
} rxr_config_key;

/* One driver-specific option of volume_create (Docker `-o`, dvdcli
 * `--volumeopts`, `rexray volume create --opt`). STATIC. Names are matched
 * case-insensitively and must not clash with the host's own options. */
typedef struct rxr_create_option {
  uint32_t struct_size;
  int32_t type; /* rxr_value_type */
  const char *name;
  const char *description; /* one line */
} rxr_create_option;

/* Entry flags. */
#define RXR_FLAG_NONE 0u
#define RXR_FLAG_SERIALIZE 1u /* the host serializes every call into an instance */

/* The plugin's one exported symbol. Every pointer is STATIC. Arrays of structs
 * (config_keys, create_options) are contiguous; their elements share one
 * struct_size, which is the stride the host walks them with. */
typedef struct rxr_plugin_entry {
  uint32_t struct_size;
  uint32_t abi_major;  /* must equal the host's RXR_ABI_MAJOR */
  uint32_t abi_minor;  /* the minor the plugin was built with */
  uint32_t flags;      /* RXR_FLAG_* */
  const char *id;      /* reverse-DNS, e.g. "io.rexray.vfs" */
  const char *name;    /* short name = config section = service driver */
  const char *version; /* semver of the plugin */
  const char *vendor;
  const char *description;
  /* NULL-terminated: "block", "snapshots", "local" when volumes exist on
   * this host only (Docker scope "local"; otherwise "global"), and
   * RXR_FEATURE_UNIQUE_NAMES when volume_create itself refuses a name that
   * any volume has (RXR_E_EXISTS), so the host need not list every volume
   * before a create. May be NULL. */
  const char *const *features;
  /* Once per process, on the main thread, before any create(). May be NULL.
   * `host` is valid only during the call (config_get reads the driver's own
   * section). */
  rxr_status (*init)(const rxr_host *host, rxr_call *call);
  /* Once, after every destroy(). May be NULL. */
  void (*deinit)(void);
  const rxr_driver_vtable *driver; /* STATIC */
  /* since 1.1 */
  const char *const *aliases;        /* NULL-terminated other driver names, usable as a
                                        service's driver and as a config section
                                        (e.g. "ec2", "aws" for "ebs"); may be NULL */
  const rxr_config_key *config_keys; /* the keys of the plugin's section */
  size_t config_key_count;
  const rxr_create_option *create_options;
  size_t create_option_count;
} rxr_plugin_entry;

#ifdef __cplusplus
}
#endif

#endif /* REXRAY_SDK_DRIVER_H */
