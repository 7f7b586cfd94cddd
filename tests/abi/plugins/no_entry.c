/* A shared library that is not a rexray plugin at all. */
#include <rexray/sdk/driver.h>

RXR_EXPORT int not_a_plugin(void);
RXR_EXPORT int not_a_plugin(void) {
  return 42;
}
