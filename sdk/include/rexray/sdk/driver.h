/*
 * rexray storage driver ABI, major version 1.
 *
 * Plain C99 so that a driver can be written with any compiler and language that
 * speaks the C calling convention. Rules (see sdk/README.md):
 *  - A plugin exports exactly one symbol: the const data struct
 *    `rxr_plugin_entry_v1`. The host reads its metadata without running code.
 *  - Every shared struct starts with `struct_size`. Fields are only appended;
 *    the reader checks RXR_HAS before touching a field a peer may not have.
 *  - No C++ type, exception or allocator crosses this boundary. Calls return an
 *    rxr_status; details go into the caller-owned rxr_call.error.
 *  - Ownership is stated on every pointer: BORROWED means valid only for the
 *    duration of the call (or of the emit callback) and must be copied to be
 *    kept; STATIC means valid until the process exits.
 */
#ifndef REXRAY_SDK_DRIVER_H
#define REXRAY_SDK_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RXR_ABI_MAJOR 1u
#define RXR_ABI_MINOR 0u

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
  RXR_E_TOO_SMALL = 7,   /* an output buffer was too small; *needed tells */
  RXR_E_BUSY = 8,        /* in use, locked, or attached elsewhere */
  RXR_E_EXISTS = 9,      /* an object with that name already exists */
  RXR_E_INTERNAL = 10    /* a bug or an unexpected condition in the driver */
};

#define RXR_ERROR_MESSAGE_CAP 512

typedef struct rxr_error {
  int32_t backend_code;                 /* backend-specific, 0 when none */
  char message[RXR_ERROR_MESSAGE_CAP];  /* NUL-terminated, human readable */
} rxr_error;

/* Per call, CALLER-owned. The host fills the inputs; the driver fills `error`
 * when it returns anything but RXR_OK. */
typedef struct rxr_call {
  uint32_t struct_size;
  int64_t deadline_unix_ms; /* in: give up (RXR_E_TIMEOUT) after this; 0 = none */
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
  const char *type;              /* backend volume type, e.g. "gp3" */
  const char *availability_zone;
  const char *status;            /* backend status text, e.g. "available" */
  int64_t size_gib;
  int64_t iops;
  int32_t encrypted;             /* 0 or 1 */
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

/* Input to volume_create; CALLER-owned, every pointer BORROWED. */
typedef struct rxr_volume_create_opts {
  uint32_t struct_size;
  const char *name;
  const char *type;              /* NULL/"" = backend default */
  const char *availability_zone; /* NULL/"" = this instance's zone */
  int64_t size_gib;              /* 0 = take the source's size */
  int64_t iops;                  /* 0 = backend default */
  int32_t encrypted;
  const char *encryption_key;    /* NULL/"" = backend default key */
  const char *from_snapshot_id;  /* restore from this snapshot */
  const char *from_volume_id;    /* copy this volume */
  const rxr_kv *extra;           /* driver-specific options */
  size_t extra_count;
} rxr_volume_create_opts;

/* Input to volume_attach; CALLER-owned, every pointer BORROWED. */
typedef struct rxr_attach_opts {
  uint32_t struct_size;
  const char *volume_id;
  const char *next_device; /* hint from next_device(), may be NULL */
  int32_t force;           /* detach from any other instance first */
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
  /* Reads a configuration value of this instance ("endpoint" reads
   * "<service>.endpoint", then "<driver>.endpoint"). Writes a NUL-terminated
   * string into the CALLER-owned buf; *needed (may be NULL) receives the size
   * including the NUL. RXR_E_NOT_FOUND when unset, RXR_E_TOO_SMALL when cap is
   * short. Lists are returned space-separated. */
  rxr_status (*config_get)(const struct rxr_host *host, const char *key, char *buf, size_t cap,
                           size_t *needed);
  /* Optional services by id ("rexray.http/1"); NULL when the host has none.
   * The returned table is STATIC. */
  const void *(*get_extension)(const struct rxr_host *host, const char *id);
} rxr_host;

/* ---- the driver -------------------------------------------------------- */

typedef struct rxr_driver rxr_driver; /* opaque, PLUGIN-owned */

/* A NULL slot means the operation is unsupported; the host reports
 * RXR_E_UNSUPPORTED without calling. Every op writes `call->error` on failure.
 * String outputs go into a CALLER-owned buf of `cap` bytes; *needed receives
 * the size including the NUL, and RXR_E_TOO_SMALL is returned when short. */
typedef struct rxr_driver_vtable {
  uint32_t struct_size;
  /* Creates a driver instance for the service named `service` (BORROWED).
   * `host` stays valid until destroy(). *out is PLUGIN-owned. */
  rxr_status (*create)(const rxr_host *host, const char *service, rxr_driver **out,
                       rxr_call *call);
  /* Destroys an instance; joins every thread it started. */
  void (*destroy)(rxr_driver *driver);
  /* This host's identity as the backend knows it. */
  rxr_status (*instance_id)(rxr_driver *driver, rxr_call *call, char *buf, size_t cap,
                            size_t *needed);
  /* A device name hint for the next attach (block drivers). */
  rxr_status (*next_device)(rxr_driver *driver, rxr_call *call, char *buf, size_t cap,
                            size_t *needed);
  rxr_status (*volumes_list)(rxr_driver *driver, rxr_call *call, const rxr_volume_sink *sink);
  /* Emits exactly one volume, or returns RXR_E_NOT_FOUND. id BORROWED. */
  rxr_status (*volume_get)(rxr_driver *driver, rxr_call *call, const char *id,
                           const rxr_volume_sink *sink);
  /* Emits the created volume. */
  rxr_status (*volume_create)(rxr_driver *driver, rxr_call *call,
                              const rxr_volume_create_opts *opts, const rxr_volume_sink *sink);
  rxr_status (*volume_remove)(rxr_driver *driver, rxr_call *call, const char *id, int32_t force);
  /* Attaches to this instance; writes an attach token (a device hint the
   * driver understands in wait_for_device) into buf. */
  rxr_status (*volume_attach)(rxr_driver *driver, rxr_call *call, const rxr_attach_opts *opts,
                              char *token_buf, size_t cap, size_t *needed);
  /* Detaches from whatever instance holds it; force = even when in use. */
  rxr_status (*volume_detach)(rxr_driver *driver, rxr_call *call, const char *id, int32_t force);
  /* Turns an attach token into the local device path, waiting until it
   * exists or the deadline passes. */
  rxr_status (*wait_for_device)(rxr_driver *driver, rxr_call *call, const char *volume_id,
                                const char *token, char *buf, size_t cap, size_t *needed);
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
} rxr_driver_vtable;

/* Entry flags. */
#define RXR_FLAG_NONE 0u
#define RXR_FLAG_SERIALIZE 1u /* the host serializes every call into an instance */

/* The plugin's one exported symbol. Every pointer is STATIC. */
typedef struct rxr_plugin_entry {
  uint32_t struct_size;
  uint32_t abi_major; /* must equal the host's RXR_ABI_MAJOR */
  uint32_t abi_minor; /* the minor the plugin was built with */
  uint32_t flags;     /* RXR_FLAG_* */
  const char *id;          /* reverse-DNS, e.g. "io.rexray.vfs" */
  const char *name;        /* short name = config section = service driver */
  const char *version;     /* semver of the plugin */
  const char *vendor;
  const char *description;
  /* Comma-separated: "block", "snapshots", and "local" when volumes exist on
   * this host only (Docker scope "local"; otherwise "global"). */
  const char *features;
  /* Once per process, on the main thread, before any create(). May be NULL.
   * `host` is valid only during the call (config_get reads the driver's own
   * section). */
  rxr_status (*init)(const rxr_host *host, rxr_call *call);
  /* Once, after every destroy(). May be NULL. */
  void (*deinit)(void);
  const rxr_driver_vtable *driver; /* STATIC */
} rxr_plugin_entry;

#ifdef __cplusplus
}
#endif

#endif /* REXRAY_SDK_DRIVER_H */
