/* A plugin from a future ABI major: only rxr_plugin_entry_v2 exists. */
#include "common.h"

RXR_EXPORT const uint32_t rxr_plugin_entry_v2[4] = {16, 2, 0, 0};
