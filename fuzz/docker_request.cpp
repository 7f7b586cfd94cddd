// Docker's volume plugin requests: DockerFrontend::handle with one of the
// protocol's paths and a fuzzed body. The first input byte picks the path,
// the rest is the body as dockerd would POST it.
//
// The service is marked failed, so each request is decoded (JSON, Name, ID,
// Opts, create options) and then answered with that failure without a
// daemon, a driver or a wait: what is fuzzed is the decoder, not the
// VolumeService behind it. Every reply must be HTTP 200, 400, 404 or 500
// with a JSON object body.
#include "api/DockerFrontend.h"
#include "daemon/ServiceDirectory.h"
#include "util/Log.h"

#include <Poco/JSON/Parser.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

const char *const kPaths[] = {
    "/Plugin.Activate",      "/VolumeDriver.Capabilities", "/VolumeDriver.Create",
    "/VolumeDriver.Remove",  "/VolumeDriver.Mount",        "/VolumeDriver.Unmount",
    "/VolumeDriver.Path",    "/VolumeDriver.Get",          "/VolumeDriver.List",
    "/VolumeDriver.Unknown",
};

struct Fixture {
  rexray::ServiceDirectory services{{"vfs"}};
  rexray::DockerFrontend frontend{services, "vfs"};
  Fixture() {
    // Every request ends in a logged failure; the log is not what is tested.
    rexray::log::setFile("/dev/null");
    services.markFailed("vfs", "fuzzing: no driver");
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static Fixture fixture;
  if (size == 0) return 0;
  const char *path = kPaths[data[0] % (sizeof kPaths / sizeof kPaths[0])];
  const std::string body(reinterpret_cast<const char *>(data + 1), size - 1);
  const auto reply = fixture.frontend.handle(path, body);
  if (reply.status != 200 && reply.status != 400 && reply.status != 404 && reply.status != 500)
    abort();
  // Whatever the request held, the reply is JSON Docker can decode.
  try {
    Poco::JSON::Parser parser;
    parser.parse(reply.body).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception &e) {
    fprintf(stderr, "reply %d is not a JSON object (%s): %s\n", reply.status,
            e.displayText().c_str(), reply.body.c_str());
    abort();
  }
  return 0;
}
