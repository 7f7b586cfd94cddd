/* Built against ABI 1.2: its rxr_attach_opts ends after `force`, so its
 * volume_attach attaches to its own host whatever instance_id (1.3) the host
 * would append. The host must never ask it to attach to another instance,
 * and must read the 1.2 table (no instance_info, no capacity) without going
 * past its end. */
#include "common.h"

static int attaches = 0;

static rxr_status attach_here(rxr_driver *d, rxr_call *call, const rxr_attach_opts *opts,
                              const rxr_string_sink *token) {
  (void)d;
  (void)call;
  (void)opts;
  ++attaches;
  return token->emit(token->ctx, attaches == 1 ? "/dev/here" : "/dev/again");
}

/* The driver table as 1.2 laid it out: it ends after volume_expand. */
typedef struct v12_vtable {
  uint32_t struct_size;
  rxr_status (*create)(const rxr_host *, const char *, rxr_driver **, rxr_call *);
  void (*destroy)(rxr_driver *);
  rxr_status (*instance_id)(rxr_driver *, rxr_call *, const rxr_string_sink *);
  void *next_device, *volumes_list, *volume_get, *volume_create, *volume_remove;
  rxr_status (*volume_attach)(rxr_driver *, rxr_call *, const rxr_attach_opts *,
                              const rxr_string_sink *);
  void *volume_detach, *wait_for_device, *snapshots_list, *snapshot_create, *snapshot_remove,
      *snapshot_copy, *volume_expand;
} v12_vtable;

static const v12_vtable table = {sizeof(v12_vtable),
                                 test_create,
                                 test_destroy,
                                 test_instance_id,
                                 NULL,
                                 NULL,
                                 NULL,
                                 NULL,
                                 NULL,
                                 attach_here,
                                 NULL,
                                 NULL,
                                 NULL,
                                 NULL,
                                 NULL,
                                 NULL,
                                 NULL};

RXR_EXPORT const rxr_plugin_entry rxr_plugin_entry_v1 = {
    .struct_size = sizeof(rxr_plugin_entry),
    .abi_major = RXR_ABI_MAJOR,
    .abi_minor = 2,
    .id = "io.rexray.test.minor2",
    .name = "minor2",
    .version = "1.2.0",
    .vendor = "tests",
    .description = "built against ABI 1.2",
    .driver = (const rxr_driver_vtable *)(const void *)&table};
