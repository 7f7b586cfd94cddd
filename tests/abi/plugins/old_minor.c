/* A plugin whose structs are shorter than the host's, as those of a plugin
 * built against an older minor of ABI 1 will be: its entry ends after the
 * driver table (no schema), its driver table after volume_detach, its volume
 * struct after status. The host must not read past any of those ends; the
 * snapshot operations must report "unsupported". */
#include "common.h"

typedef struct old_vtable {
  uint32_t struct_size;
  rxr_status (*create)(const rxr_host *, const char *, rxr_driver **, rxr_call *);
  void (*destroy)(rxr_driver *);
  rxr_status (*instance_id)(rxr_driver *, rxr_call *, const rxr_string_sink *);
  rxr_status (*next_device)(rxr_driver *, rxr_call *, const rxr_string_sink *);
  rxr_status (*volumes_list)(rxr_driver *, rxr_call *, const rxr_volume_sink *);
  rxr_status (*volume_get)(rxr_driver *, rxr_call *, const char *, const rxr_volume_sink *);
  rxr_status (*volume_create)(rxr_driver *, rxr_call *, const rxr_volume_create_opts *,
                              const rxr_volume_sink *);
  rxr_status (*volume_remove)(rxr_driver *, rxr_call *, const char *, int32_t);
  rxr_status (*volume_attach)(rxr_driver *, rxr_call *, const rxr_attach_opts *,
                              const rxr_string_sink *);
  rxr_status (*volume_detach)(rxr_driver *, rxr_call *, const char *, int32_t);
} old_vtable;

static rxr_status list_one(rxr_driver *d, rxr_call *call, const rxr_volume_sink *sink) {
  /* An old rxr_volume, too: it ends after the status field. */
  struct {
    uint32_t struct_size;
    const char *id, *name, *type, *availability_zone, *status;
  } old_volume;
  (void)d;
  (void)call;
  old_volume.struct_size = (uint32_t)sizeof old_volume;
  old_volume.id = "old-1";
  old_volume.name = "oldvol";
  old_volume.type = "";
  old_volume.availability_zone = "";
  old_volume.status = "available";
  return sink->emit(sink->ctx, (const rxr_volume *)(const void *)&old_volume);
}

static const old_vtable table = {sizeof(old_vtable),
                                 test_create,
                                 test_destroy,
                                 test_instance_id,
                                 NULL,
                                 list_one,
                                 NULL,
                                 NULL,
                                 NULL,
                                 NULL,
                                 NULL};

static const char *const features[] = {"block", NULL};

/* The entry as it ends after the driver table: no aliases, no schema. */
typedef struct short_entry {
  uint32_t struct_size, abi_major, abi_minor, flags;
  const char *id, *name, *version, *vendor, *description;
  const char *const *features;
  rxr_status (*init)(const rxr_host *, rxr_call *);
  void (*deinit)(void);
  const rxr_driver_vtable *driver;
} short_entry;

RXR_EXPORT const short_entry rxr_plugin_entry_v1 = {
    sizeof(short_entry),
    RXR_ABI_MAJOR,
    RXR_ABI_MINOR,
    RXR_FLAG_SERIALIZE,
    "io.rexray.test.oldminor",
    "oldminor",
    "0.1.0",
    "tests",
    "an older-minor driver table",
    features,
    NULL,
    NULL,
    (const rxr_driver_vtable *)(const void *)&table};
