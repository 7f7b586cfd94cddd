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

TEST_CASE("driver: attaching to another SDC (ABI 1.3 instance_id) is not found - nothing mapped") {
  Fixture f;
  rexray::sdk::AttachOptions o;
  o.volumeId = "aaaa000000000001";
  o.instanceId = "d0f055a800000001";
  try {
    f.driver->attachVolume(f.call, o);
    FAIL("attaching to another SDC must be refused");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_NOT_FOUND);
    CHECK(std::string(e.what()).find("d0f055a800000001") != std::string::npos);
  }
  CHECK(f.fake->count("POST", "/api/instances/Volume::aaaa000000000001/action/addMappedSdc") == 0);
  // Its own SDC named explicitly is this host.
  f.fake->reply("POST /api/instances/Volume::aaaa000000000001/action/addMappedSdc", 200, "");
  o.instanceId = "d0f055a700000000";
  CHECK(f.driver->attachVolume(f.call, o) == "aaaa000000000001");
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

namespace {

// snapshotVolumes answers with the next of `ids`, recording each source and
// name; setVolumeName and removeVolume are recorded by volume.
struct CopyGateway {
  std::vector<std::string> sources, names, renamed, removed;

  void install(FakeGateway &g, std::vector<std::string> ids) {
    g.routes["POST /api/instances/System::5a0c2e7f1b3d4968/action/snapshotVolumes"] =
        [this, ids](const GatewayRequest &r) mutable {
          const auto def = r.body.find("\"volumeId\":\"") + 12;
          sources.push_back(r.body.substr(def, 16));
          const auto name = r.body.find("\"snapshotName\":\"") + 16;
          names.push_back(r.body.substr(name, r.body.find('"', name) - name));
          const std::string id = ids.front();
          ids.erase(ids.begin());
          return GatewayReply{200, R"({"volumeIdList":[")" + id + R"("],"snapshotGroupId":"g1"})"};
        };
    for (const char *id :
         {"aaaa000000000001", "aaaa000000000002", "aaaa000000000005", "aaaa000000000006"}) {
      const std::string v = id;
      g.routes["POST /api/instances/Volume::" + v + "/action/setVolumeName"] =
          [this, v](const GatewayRequest &r) {
            renamed.push_back(v + " " + r.body);
            return GatewayReply{200, ""};
          };
      g.routes["POST /api/instances/Volume::" + v + "/action/removeVolume"] =
          [this, v](const GatewayRequest &) {
            removed.push_back(v);
            return GatewayReply{200, ""};
          };
    }
  }
};

} // namespace

TEST_CASE("driver: a copy of a volume is a snapshot of its snapshot, listed as a volume") {
  Fixture f;
  CopyGateway g;
  g.install(*f.fake, {"aaaa000000000005", "aaaa000000000006"});
  f.fake->reply("POST /api/types/Volume/instances/action/queryIdByKey", 500,
                siotest::errorBody(500, 3, "Not found"));
  f.fake->reply("GET /api/instances/Volume::aaaa000000000006", 200,
                volumeJson("aaaa000000000006", "copy1", "aaaa000000000005"));
  rexray::sdk::CreateOptions o;
  o.name = "copy1";
  o.fromVolumeId = "aaaa000000000001";
  const auto v = f.driver->createVolume(f.call, o);
  CHECK(v.id == "aaaa000000000006");
  CHECK(v.name == "copy1");
  // The base is the source's snapshot, the copy the base's: two generations
  // down, so the copy is a volume (VolumeKind.h).
  CHECK(g.sources == std::vector<std::string>{"aaaa000000000001", "aaaa000000000005"});
  CHECK(g.names == std::vector<std::string>{"", "copy1"});
  CHECK(g.renamed == std::vector<std::string>{
                         R"(aaaa000000000005 {"newName":"rexray-copy-of-aaaa000000000006"})"});

  // As the gateway now lists them: the base is hidden from the snapshots,
  // the copy is a volume.
  f.fake->reply(
      "GET /api/types/Volume/instances", 200,
      "[" + volumeJson("aaaa000000000001", "data") + "," +
          volumeJson("aaaa000000000005", "rexray-copy-of-aaaa000000000006", "aaaa000000000001") +
          "," + volumeJson("aaaa000000000006", "copy1", "aaaa000000000005") + "]");
  const auto vols = f.driver->volumes(f.call);
  REQUIRE(vols.size() == 2);
  CHECK(vols[1].name == "copy1");
  CHECK(f.driver->snapshots(f.call, "").empty());

  // Removing the copy takes its base too, and nothing else.
  f.fake->routes["POST /api/instances/Volume::aaaa000000000006/action/removeVolume"] =
      [&](const GatewayRequest &) {
        g.removed.push_back("aaaa000000000006");
        f.fake->reply("GET /api/types/Volume/instances", 200,
                      "[" + volumeJson("aaaa000000000001", "data") + "," +
                          volumeJson("aaaa000000000005", "rexray-copy-of-aaaa000000000006",
                                     "aaaa000000000001") +
                          "]");
        return GatewayReply{200, ""};
      };
  f.driver->removeVolume(f.call, "aaaa000000000006", false);
  CHECK(g.removed == std::vector<std::string>{"aaaa000000000006", "aaaa000000000005"});
}

TEST_CASE("driver: a copy under a taken name makes nothing; a failed copy leaves no base") {
  Fixture f;
  CopyGateway g;
  g.install(*f.fake, {"aaaa000000000005", "aaaa000000000006"});
  f.fake->reply("POST /api/types/Volume/instances/action/queryIdByKey", 200,
                "\"aaaa000000000003\"");
  rexray::sdk::CreateOptions o;
  o.name = "restored";
  o.fromVolumeId = "aaaa000000000001";
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_EXISTS);
  CHECK(g.sources.empty());

  f.fake->reply("POST /api/types/Volume/instances/action/queryIdByKey", 500,
                siotest::errorBody(500, 3, "Not found"));
  o.name = "copy1";
  // The second snapshot (the copy) fails: the base goes again.
  f.fake->routes["POST /api/instances/System::5a0c2e7f1b3d4968/action/snapshotVolumes"] =
      [&, first = true](const GatewayRequest &) mutable {
        if (!first) return GatewayReply{500, siotest::errorBody(500, 1, "injected")};
        first = false;
        return GatewayReply{200, R"({"volumeIdList":["aaaa000000000005"]})"};
      };
  CHECK(statusOf([&] { f.driver->createVolume(f.call, o); }) == RXR_E_BACKEND);
  CHECK(g.removed == std::vector<std::string>{"aaaa000000000005"});
}

TEST_CASE("driver: a copy of a snapshot is one snapshot of it, which is a volume") {
  Fixture f;
  CopyGateway g;
  g.install(*f.fake, {"aaaa000000000006"});
  f.fake->reply("GET /api/instances/Volume::aaaa000000000002", 200,
                volumeJson("aaaa000000000002", "snap", "aaaa000000000001"));
  f.fake->reply("GET /api/instances/Volume::aaaa000000000006", 200,
                volumeJson("aaaa000000000006", "copy1", "aaaa000000000002"));
  rexray::sdk::CreateOptions o;
  o.name = "copy1";
  o.fromVolumeId = "aaaa000000000002";
  CHECK(f.driver->createVolume(f.call, o).id == "aaaa000000000006");
  CHECK(g.sources == std::vector<std::string>{"aaaa000000000002"});
  CHECK(g.renamed.empty());
}

TEST_CASE("driver: a pool outside the configured protection domain is refused naming both") {
  Fixture f;
  rexray::sdk::CreateOptions o;
  o.name = "data";
  o.extra = {{"storagePool", "pool3"}};
  try {
    f.driver->createVolume(f.call, o);
    FAIL("no error");
  } catch (const std::exception &e) {
    const std::string what = e.what();
    CHECK(what.find("protection domain 'pd1'") != std::string::npos);
    CHECK(what.find("'pool3'") != std::string::npos);
  }
}
