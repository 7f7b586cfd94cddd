#include <doctest/doctest.h>

#include "api/DockerFrontend.h"
#include "core/FakeDriver.h"
#include "core/FakeOsLayer.h"
#include "daemon/ServiceDirectory.h"

#include <Poco/JSON/Parser.h>

#include <string>

namespace {

// The reply's "Err", read back as Docker would: the body must be JSON.
std::string replyError(const rexray::DockerFrontend::Reply &reply) {
  Poco::JSON::Parser parser;
  const auto object = parser.parse(reply.body).extract<Poco::JSON::Object::Ptr>();
  return object->getValue<std::string>("Err");
}

} // namespace

// Found by fuzz/docker_request: Poco's parser quotes the byte it stumbled on,
// and a byte that is not UTF-8 made the 400 reply invalid JSON.
TEST_CASE("docker replies stay JSON when the request body is not UTF-8") {
  rexray::ServiceDirectory services({"vfs"});
  services.markFailed("vfs", "no driver");
  const rexray::DockerFrontend frontend(services, "vfs");

  const auto reply = frontend.handle("/VolumeDriver.Create", "{\xc6Name\":\"x\"}");
  CHECK(reply.status == 400);
  std::string err;
  REQUIRE_NOTHROW(err = replyError(reply));
  CHECK(err.find("not valid JSON") != std::string::npos);
  CHECK(err.find('\xc6') == std::string::npos);

  // Valid UTF-8 in a message is kept as it is.
  const auto named = frontend.handle("/VolumeDriver.Get", "{\"Name\":\"caf\xc3\xa9\"}");
  REQUIRE_NOTHROW(err = replyError(named));
}

// Get's reply is rendered once per version of a cached volume: a change
// (here a mount) must show in the next Get.
TEST_CASE("docker Get shows a volume's change after an earlier Get of it") {
  rexray::testing::FakeServiceRig rig;
  rig.backend().addVolume("vol-1", "data");
  rig.service().refreshCache(rexray::testing::testDeadline());
  rexray::ServiceDirectory services({"fake"});
  services.markReady("fake", rig.service());
  const rexray::DockerFrontend frontend(services, "fake");
  const auto mountpoint = [&] {
    const auto reply = frontend.handle("/VolumeDriver.Get", "{\"Name\":\"data\"}");
    REQUIRE(reply.status == 200);
    Poco::JSON::Parser parser;
    return parser.parse(reply.body)
        .extract<Poco::JSON::Object::Ptr>()
        ->getObject("Volume")
        ->getValue<std::string>("Mountpoint");
  };
  CHECK(mountpoint().empty());
  CHECK(mountpoint().empty()); // the memoized reply
  rig.service().mount("data", "a", {}, rexray::testing::testDeadline());
  CHECK(mountpoint() == "/x/data/data");
  rig.service().unmount("data", "a", rexray::testing::testDeadline());
  CHECK(mountpoint().empty());
}
