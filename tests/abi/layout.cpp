// The ABI's layout on LP64 Linux, pinned. A change here breaks every plugin
// already built: append fields instead, and add their offsets below.
#include <rexray/sdk/driver.h>
#include <rexray/sdk/driver.hpp>

#include <cstdio>

#define PIN(T, field, offset) static_assert(offsetof(T, field) == (offset), #T "." #field)

PIN(rxr_error, backend_code, 0);
PIN(rxr_error, message, 4);
static_assert(sizeof(rxr_error) == 516, "rxr_error size");

PIN(rxr_call, struct_size, 0);
PIN(rxr_call, deadline_mono_ms, 8);
PIN(rxr_call, request_id, 16);
PIN(rxr_call, error, 24);

PIN(rxr_volume, id, 8);
PIN(rxr_volume, name, 16);
PIN(rxr_volume, type, 24);
PIN(rxr_volume, availability_zone, 32);
PIN(rxr_volume, status, 40);
PIN(rxr_volume, size_gib, 48);
PIN(rxr_volume, iops, 56);
PIN(rxr_volume, encrypted, 64);
PIN(rxr_volume, attached_instance_id, 72);
PIN(rxr_volume, attached_device, 80);
PIN(rxr_volume, created_unix, 88);
PIN(rxr_volume, fields, 96);
PIN(rxr_volume, field_count, 104);
static_assert(sizeof(rxr_volume) == 112, "rxr_volume size");

PIN(rxr_snapshot, id, 8);
PIN(rxr_snapshot, volume_id, 24);
PIN(rxr_snapshot, description, 40);
PIN(rxr_snapshot, size_gib, 48);
PIN(rxr_snapshot, start_time_unix, 56);
static_assert(sizeof(rxr_snapshot) == 64, "rxr_snapshot size");

PIN(rxr_volume_create_opts, name, 8);
PIN(rxr_volume_create_opts, size_gib, 32);
PIN(rxr_volume_create_opts, iops, 40);
PIN(rxr_volume_create_opts, encrypted, 48);
PIN(rxr_volume_create_opts, encryption_key, 56);
PIN(rxr_volume_create_opts, from_snapshot_id, 64);
PIN(rxr_volume_create_opts, from_volume_id, 72);
PIN(rxr_volume_create_opts, extra, 80);
PIN(rxr_volume_create_opts, extra_count, 88);

PIN(rxr_attach_opts, volume_id, 8);
PIN(rxr_attach_opts, next_device, 16);
PIN(rxr_attach_opts, force, 24);
PIN(rxr_attach_opts, instance_id, 32); // since 1.3
static_assert(sizeof(rxr_attach_opts) == 40, "rxr_attach_opts size");

PIN(rxr_host, abi_minor, 4);
PIN(rxr_host, host_data, 8);
PIN(rxr_host, log, 16);
PIN(rxr_host, log_enabled, 24);
PIN(rxr_host, config_get, 32);
PIN(rxr_host, get_extension, 40);
PIN(rxr_host, state_dir, 48);
static_assert(sizeof(rxr_host) == 56, "rxr_host size");

PIN(rxr_string_sink, ctx, 0);
PIN(rxr_string_sink, emit, 8);

PIN(rxr_instance_info, zone, 8); // since 1.3
PIN(rxr_instance_info, max_attachments, 16);
static_assert(sizeof(rxr_instance_info) == 24, "rxr_instance_info size");
PIN(rxr_instance_sink, ctx, 0);
PIN(rxr_instance_sink, emit, 8);

static_assert(RXR_E_EXHAUSTED == 11, "RXR_E_EXHAUSTED"); // since 1.3

PIN(rxr_config_key, type, 4);
PIN(rxr_config_key, key, 8);
PIN(rxr_config_key, default_value, 16);
PIN(rxr_config_key, description, 24);
PIN(rxr_config_key, aliases, 32);
PIN(rxr_config_key, flags, 40);
static_assert(sizeof(rxr_config_key) == 48, "rxr_config_key size");

PIN(rxr_create_option, type, 4);
PIN(rxr_create_option, name, 8);
PIN(rxr_create_option, description, 16);
static_assert(sizeof(rxr_create_option) == 24, "rxr_create_option size");

PIN(rxr_driver_vtable, create, 8);
PIN(rxr_driver_vtable, destroy, 16);
PIN(rxr_driver_vtable, instance_id, 24);
PIN(rxr_driver_vtable, next_device, 32);
PIN(rxr_driver_vtable, volumes_list, 40);
PIN(rxr_driver_vtable, volume_get, 48);
PIN(rxr_driver_vtable, volume_create, 56);
PIN(rxr_driver_vtable, volume_remove, 64);
PIN(rxr_driver_vtable, volume_attach, 72);
PIN(rxr_driver_vtable, volume_detach, 80);
PIN(rxr_driver_vtable, wait_for_device, 88);
PIN(rxr_driver_vtable, snapshots_list, 96);
PIN(rxr_driver_vtable, snapshot_create, 104);
PIN(rxr_driver_vtable, snapshot_remove, 112);
PIN(rxr_driver_vtable, snapshot_copy, 120);
PIN(rxr_driver_vtable, volume_expand, 128); // since 1.2
PIN(rxr_driver_vtable, instance_info, 136); // since 1.3
PIN(rxr_driver_vtable, capacity, 144);      // since 1.3
static_assert(sizeof(rxr_driver_vtable) == 152, "rxr_driver_vtable size");

PIN(rxr_plugin_entry, abi_major, 4);
PIN(rxr_plugin_entry, abi_minor, 8);
PIN(rxr_plugin_entry, flags, 12);
PIN(rxr_plugin_entry, id, 16);
PIN(rxr_plugin_entry, name, 24);
PIN(rxr_plugin_entry, version, 32);
PIN(rxr_plugin_entry, vendor, 40);
PIN(rxr_plugin_entry, description, 48);
PIN(rxr_plugin_entry, features, 56);
PIN(rxr_plugin_entry, init, 64);
PIN(rxr_plugin_entry, deinit, 72);
PIN(rxr_plugin_entry, driver, 80);
PIN(rxr_plugin_entry, aliases, 88);
PIN(rxr_plugin_entry, config_keys, 96);
PIN(rxr_plugin_entry, config_key_count, 104);
PIN(rxr_plugin_entry, create_options, 112);
PIN(rxr_plugin_entry, create_option_count, 120);
static_assert(sizeof(rxr_plugin_entry) == 128, "rxr_plugin_entry size");

int main() {
  std::puts("C++17 header and layout ok");
  return 0;
}
