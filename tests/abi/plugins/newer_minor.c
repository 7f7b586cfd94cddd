/* Built against a future minor: its entry and its key structs are larger than
 * the host's (fields appended after ours), and it declares everything a plugin
 * can: aliases, a configuration schema with a secret and key aliases, create
 * options. The host must read what it knows, by the plugin's strides, and
 * load it. */
#include "common.h"

static const rxr_driver_vtable table = TEST_MINIMAL_VTABLE;

static const char *const features[] = {"block", "local", NULL};
static const char *const aliases[] = {"future-alias", NULL};
static const char *const user_aliases[] = {"userID", "user_name", NULL};

/* rxr_config_key as a later minor might grow it. */
typedef struct future_key {
  rxr_config_key known;
  int64_t appended;
} future_key;

static const future_key keys[] = {
    {{sizeof(future_key), RXR_TYPE_STRING, "endpoint", "http://127.0.0.1:1", "API URL", NULL, 0},
     1},
    {{sizeof(future_key), RXR_TYPE_STRING, "userName", NULL, "API user", user_aliases, 0}, 2},
    {{sizeof(future_key), RXR_TYPE_STRING, "password", NULL, "API password", NULL, RXR_KEY_SECRET},
     3},
    {{sizeof(future_key), RXR_TYPE_DURATION, "timeout", "30s", "request timeout", NULL, 0}, 4}};

static const rxr_create_option options[] = {
    {sizeof(rxr_create_option), RXR_TYPE_STRING, "storagePool", "pool for the volume"},
    {sizeof(rxr_create_option), RXR_TYPE_BOOL, "thin", "thin provisioning"}};

/* The entry as a later minor might grow it. */
typedef struct future_entry {
  rxr_plugin_entry known;
  const char *appended;
} future_entry;

RXR_EXPORT const future_entry rxr_plugin_entry_v1 = {{.struct_size = sizeof(future_entry),
                                                      .abi_major = RXR_ABI_MAJOR,
                                                      .abi_minor = RXR_ABI_MINOR + 8,
                                                      .id = "io.rexray.test.newer",
                                                      .name = "newer",
                                                      .version = "1.9.0",
                                                      .vendor = "tests",
                                                      .description = "built against a future minor",
                                                      .features = features,
                                                      .driver = &table,
                                                      .aliases = aliases,
                                                      .config_keys = &keys[0].known,
                                                      .config_key_count = 4,
                                                      .create_options = options,
                                                      .create_option_count = 2},
                                                     "ignored by this host"};
