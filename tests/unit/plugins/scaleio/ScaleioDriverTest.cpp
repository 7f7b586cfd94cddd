#include <doctest/doctest.h>

#include "ScaleioTestSupport.h"
#include "scaleio/ScaleioDriver.h"

using namespace rexray::scaleio;
using siotest::FakeGateway;
using siotest::volumeJson;

namespace {

struct Fixture {
  rxr_host raw{}; // no log, no config: the settings come ready-made
  rxr_call rawCall{};
  FakeGateway *fake = new FakeGateway;
  std::unique_ptr<ScaleioDriver> driver;
  rexray::sdk::Call call{&rawCall};

  explicit Fixture(ScaleioSettings s = siotest::settings()) {
    raw.struct_size = sizeof raw;
    rawCall.struct_size = sizeof rawCall;
    rawCall.deadline_mono_ms = rexray::sdk::monotonicNowMs() + 10000;
    siotest::addTopology(*fake);
    fake->reply("GET /api/types/Volume/instances", 200,
                "[" + volumeJson("aaaa000000000001", "data") + "," +
                    volumeJson("aaaa000000000002", "snap", "aaaa000000000001") + "," +
                    volumeJson("aaaa000000000003", "restored", "aaaa000000000002") + "]");
    fake->reply("GET /api/instances/Volume::aaaa000000000001", 200,
                volumeJson("aaaa000000000001", "data"));
    driver = std::make_unique<ScaleioDriver>(rexray::sdk::Host(&raw), "scaleio", std::move(s),
                                             std::unique_ptr<GatewayTransport>(fake));
  }
};

rxr_status statusOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const rexray::sdk::Error &e) {
    return e.status();
  } catch (const std::invalid_argument &) {
    return RXR_E_INVALID;
  }
  return RXR_OK;
}

} // namespace

TEST_CASE("driver: discovery follows the gateway's links") {
  Fixture f;
  const auto vols = f.driver->volumes(f.call);
  CHECK(f.fake->count("GET", "/api/x/pds") == 1);
  CHECK(f.fake->count("GET", "/api/x/pd1/pools") == 1);
  CHECK(f.fake->count("GET", "/api/x/pd2/pools") == 1);
  REQUIRE(vols.size() == 2); // data and restored; snap is a snapshot
  CHECK(vols[0].name == "data");
  CHECK(vols[0].type == "pool1");
  CHECK(vols[0].availabilityZone == "pd1");
  CHECK(vols[0].sizeGiB == 16);
  CHECK(vols[1].name == "restored");
  f.driver->volumes(f.call);
  CHECK(f.fake->count("GET", "/api/types/System/instances") == 1); // cached
}

TEST_CASE("driver: a system the gateway does not have is a configuration error") {
  auto s = siotest::settings();
  s.systemName = "other";
  Fixture f(s);
  CHECK(statusOf([&] { f.driver->volumes(f.call); }) == RXR_E_INVALID);
}

TEST_CASE("driver: unknown ids and names are not found") {
  Fixture f;
  f.fake->reply("GET /api/instances/Volume::bbbb000000000009", 500,
                siotest::errorBody(500, 79, "Could not find the volume"));
  f.fake->reply("POST /api/types/Volume/instances/action/queryIdByKey", 500,
                siotest::errorBody(500, 3, "Not found"));
  CHECK(statusOf([&] { f.driver->volume(f.call, "bbbb000000000009"); }) == RXR_E_NOT_FOUND);
  CHECK(statusOf([&] { f.driver->volume(f.call, "no such name"); }) == RXR_E_NOT_FOUND);
  CHECK(statusOf([&] { f.driver->volume(f.call, "../../etc"); }) == RXR_E_NOT_FOUND);
  CHECK(statusOf([&] { f.driver->removeVolume(f.call, "bbbb000000000009", false); }) ==
        RXR_E_NOT_FOUND);
}

TEST_CASE("driver: create rounds to 8 GiB and sends strings") {
  Fixture f;
  std::string body;
  f.fake->routes["POST /api/types/Volume/instances"] = [&](const GatewayRequest &r) {
    body = r.body;
    return GatewayReply{200, R"({"id":"aaaa000000000001"})"};
  };
  rexray::sdk::CreateOptions o;
  o.name = "data";
  o.sizeGiB = 5;
  o.extra = {{"thinOrThick", "thick"}, {"storagePool", "pool2"}};
  f.driver->createVolume(f.call, o);
  CHECK(body == R"({"protectionDomainId":"9300c1f900000000","storagePoolId":"e0d8f6ca00000001",)"
                R"("volumeType":"ThickProvisioned","volumeSizeInKb":"8388608","name":"data"})");
  o.name = std::string(32, 'n');
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_INVALID);
  o.name = "data";
  o.extra = {{"storagePool", "pool3"}}; // in pd2, not the configured pd1
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_INVALID);
}

TEST_CASE("driver: attach maps this host's SDC, found by GUID") {
  Fixture f;
  std::string body;
  f.fake->routes["POST /api/instances/Volume::aaaa000000000001/action/addMappedSdc"] =
      [&](const GatewayRequest &r) {
        body = r.body;
        return GatewayReply{200, ""};
      };
  rexray::sdk::AttachOptions o;
  o.volumeId = "aaaa000000000001";
  CHECK(f.driver->attachVolume(f.call, o) == "aaaa000000000001");
  CHECK(body == R"({"sdcId":"d0f055a700000000","allowMultipleMappings":"false"})");
  CHECK(f.driver->instanceId(f.call) == "d0f055a700000000");
}

TEST_CASE("driver: a volume mapped to another SDC is busy unless forced") {
  Fixture f;
  f.fake->reply("GET /api/instances/Volume::aaaa000000000001", 200,
                volumeJson("aaaa000000000001", "data", "", "d0f055a800000001"));
  f.fake->reply("POST /api/instances/Volume::aaaa000000000001/action/removeMappedSdc", 200, "");
  f.fake->reply("POST /api/instances/Volume::aaaa000000000001/action/addMappedSdc", 200, "");
  rexray::sdk::AttachOptions o;
  o.volumeId = "aaaa000000000001";
  CHECK(statusOf([&] { f.driver->attachVolume(f.call, o); }) == RXR_E_BUSY);
  o.force = true;
  CHECK(f.driver->attachVolume(f.call, o) == "aaaa000000000001");
  CHECK(f.fake->count("POST", "/api/instances/Volume::aaaa000000000001/action/removeMappedSdc") ==
        1);
}

TEST_CASE("driver: an SDC the system does not know is not found") {
  auto s = siotest::settings();
  s.guid = "00000000-0000-0000-0000-000000000000";
  Fixture f(s);
  CHECK(statusOf([&] { f.driver->instanceId(f.call); }) == RXR_E_NOT_FOUND);
}

TEST_CASE("driver: snapshots, and a snapshot with volumes made from it stays") {
  Fixture f;
  const auto snaps = f.driver->snapshots(f.call, "");
  REQUIRE(snaps.size() == 1);
  CHECK(snaps[0].name == "snap");
  CHECK(snaps[0].volumeId == "aaaa000000000001");
  CHECK(f.driver->snapshots(f.call, "aaaa000000000003").empty());
  f.fake->reply("GET /api/instances/Volume::aaaa000000000002", 200,
                volumeJson("aaaa000000000002", "snap", "aaaa000000000001"));
  CHECK(statusOf([&] { f.driver->removeSnapshot(f.call, "aaaa000000000002"); }) == RXR_E_BUSY);
  CHECK(statusOf([&] { f.driver->removeSnapshot(f.call, "aaaa000000000001"); }) == RXR_E_INVALID);
}

TEST_CASE("driver: the device wait ends at the call's deadline") {
  Fixture f;
  f.rawCall.deadline_mono_ms = rexray::sdk::monotonicNowMs() + 5000;
  f.driver->volumes(f.call); // discovery first, so only the wait is timed
  f.rawCall.deadline_mono_ms = rexray::sdk::monotonicNowMs() + 150;
  const auto started = rexray::sdk::monotonicNowMs();
  CHECK(statusOf([&] {
          f.driver->waitForDevice(f.call, "aaaa000000000001", "aaaa000000000001");
        }) == RXR_E_TIMEOUT);
  CHECK(rexray::sdk::monotonicNowMs() - started < 1000);
}
