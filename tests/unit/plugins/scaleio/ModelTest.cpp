#include <doctest/doctest.h>

#include "scaleio/GatewayError.h"
#include "scaleio/Model.h"
#include "scaleio/VolumeKind.h"
#include "scaleio/VolumeRules.h"

using namespace rexray::scaleio;

TEST_CASE("model: a volume as the spec shows it") {
  const Volume v = parseVolume(
      R"({"id":"cdd883cf00000002","name":"data01","sizeInKb":16777216,"storagePoolId":"e0d8f6c900000000",
          "volumeType":"ThinProvisioned","ancestorVolumeId":null,"creationTime":1631618520,
          "mappedSdcInfo":[{"sdcId":"d0f055a700000000","sdcIp":"10.0.0.11","limitIops":500,"limitBwInMbps":0}],
          "links":[{"rel":"self","href":"/api/instances/Volume::cdd883cf00000002"}]})");
  CHECK(v.id == "cdd883cf00000002");
  CHECK(v.name == "data01");
  CHECK(sizeGiBOf(v.sizeKb) == 16);
  CHECK(v.ancestorVolumeId.empty());
  REQUIRE(v.mappings.size() == 1);
  CHECK(v.mappings[0].sdcId == "d0f055a700000000");
  CHECK(v.mappings[0].limitIops == 500);
  CHECK(v.link("self") == std::optional<std::string>("/api/instances/Volume::cdd883cf00000002"));
  CHECK_FALSE(v.link("nope"));
}

TEST_CASE("model: unmapped volumes, null names and bare strings") {
  const auto vs = parseVolumes(R"([{"id":"a","name":null,"mappedSdcInfo":null}])");
  REQUIRE(vs.size() == 1);
  CHECK(vs[0].name.empty());
  CHECK(vs[0].mappings.empty());
  CHECK(parseString("\"YWRtaW46MTU0\"", "token") == "YWRtaW46MTU0");
  CHECK(parseString("2.0\n", "version") == "2.0");
  CHECK(parseString(R"("a\"b")", "x") == "a\"b");
  CHECK(parseCreatedId(R"({"id":"cdd883cf00000002"})") == "cdd883cf00000002");
  CHECK(parseSnapshotIds(R"({"volumeIdList":["cdd883d000000004"],"snapshotGroupId":"g"})") ==
        std::vector<std::string>{"cdd883d000000004"});
}

TEST_CASE("model: malformed replies are backend errors, not crashes") {
  for (const char *body : {"", "{", "[1]", "{\"name\":\"no id\"}", "\"x"}) {
    CAPTURE(body);
    try {
      parseVolume(body);
      parseString(body, "token");
      FAIL("accepted");
    } catch (const rexray::sdk::Error &e) {
      CHECK(e.status() == RXR_E_BACKEND);
    }
  }
  CHECK_THROWS_AS(parseSnapshotIds(R"({"volumeIdList":[]})"), rexray::sdk::Error);
}

TEST_CASE("model: error bodies map to SDK statuses") {
  auto status = [](int http, int code, const std::string &msg) {
    return GatewayError::fromReply(http, "{\"message\":\"" + msg +
                                             "\",\"httpStatusCode\":" + std::to_string(http) +
                                             ",\"errorCode\":" + std::to_string(code) + "}")
        .status();
  };
  CHECK(status(500, 79, "Could not find the volume") == RXR_E_NOT_FOUND);
  CHECK(status(404, 0, "Not found") == RXR_E_NOT_FOUND);
  CHECK(status(500, 6, "Volume name already in use") == RXR_E_EXISTS);
  CHECK(status(500, 104, "mapped") == RXR_E_BUSY);
  CHECK(status(401, 0, "Unauthorized") == RXR_E_AUTH);
  CHECK(status(500, 93, "no capacity") == RXR_E_BACKEND);
  const auto odd = GatewayError::fromReply(502, "<html>bad gateway</html>");
  CHECK(odd.status() == RXR_E_BACKEND);
  CHECK(std::string(odd.what()).find("HTTP 502") != std::string::npos);
}

TEST_CASE("model: request bodies carry strings, in order") {
  CHECK(jsonObject({{"sdcId", "d0"}, {"allowMultipleMappings", "false"}}) ==
        R"({"sdcId":"d0","allowMultipleMappings":"false"})");
  CHECK(snapshotRequest("v1", "s1") ==
        R"({"snapshotDefs":[{"volumeId":"v1","snapshotName":"s1"}]})");
}

TEST_CASE("model: 8 GiB units, 31-character names, thin or thick") {
  CHECK(roundedSizeGiB(0) == 8);
  CHECK(roundedSizeGiB(1) == 8);
  CHECK(roundedSizeGiB(8) == 8);
  CHECK(roundedSizeGiB(9) == 16);
  CHECK(sizeInKb(5) == 8388608);
  CHECK_THROWS_AS(roundedSizeGiB(-1), std::invalid_argument);
  CHECK_NOTHROW(checkName(std::string(31, 'a'), "volume"));
  CHECK_THROWS_WITH_AS(checkName(std::string(32, 'a'), "volume"),
                       doctest::Contains("allows at most 31"), std::invalid_argument);
  CHECK_THROWS_AS(checkName("", "volume"), std::invalid_argument);
  CHECK(provisioningType("thinProvisioned", "x") == "ThinProvisioned");
  CHECK(provisioningType(" Thick ", "x") == "ThickProvisioned");
  CHECK_THROWS_AS(provisioningType("fat", "x"), std::invalid_argument);
}

TEST_CASE("model: snapshot or volume alternates down a VTree") {
  std::vector<Volume> all(5);
  all[0].id = "vol";
  all[1].id = "snap";
  all[1].ancestorVolumeId = "vol";
  all[2].id = "restored";
  all[2].ancestorVolumeId = "snap";
  all[3].id = "snapOfRestored";
  all[3].ancestorVolumeId = "restored";
  all[4].id = "orphan"; // its volume was removed
  all[4].ancestorVolumeId = "gone";
  const auto byId = indexById(all);
  CHECK_FALSE(isSnapshot(all[0], byId));
  CHECK(isSnapshot(all[1], byId));
  CHECK_FALSE(isSnapshot(all[2], byId));
  CHECK(isSnapshot(all[3], byId));
  CHECK(isSnapshot(all[4], byId));
}
