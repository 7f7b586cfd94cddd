#include "api/JsonCodec.h"
#include "util/Error.h"

#include <doctest/doctest.h>

using namespace rexray;

namespace {

Volume sample(const std::string &id, const std::string &name) {
  Volume v;
  v.id = id;
  v.name = name;
  v.type = "gp3";
  v.sizeGiB = 16;
  v.iops = 3000;
  v.availabilityZone = "us-east-1a";
  v.status = "in-use";
  v.encrypted = true;
  v.service = "ebs";
  v.createdUnix = 1764000000;
  v.attachedInstanceId = "i-1";
  v.attachedDevice = "/dev/xvdf";
  v.mountPath = "/var/lib/rexray/volumes/" + name + "/data";
  v.fields = {{"image", "/a \"quoted\" path\\x"}, {"ünïcode", "välue"}};
  return v;
}

void checkSame(const Volume &a, const Volume &b) {
  CHECK(a.id == b.id);
  CHECK(a.name == b.name);
  CHECK(a.type == b.type);
  CHECK(a.sizeGiB == b.sizeGiB);
  CHECK(a.iops == b.iops);
  CHECK(a.availabilityZone == b.availabilityZone);
  CHECK(a.status == b.status);
  CHECK(a.encrypted == b.encrypted);
  CHECK(a.service == b.service);
  CHECK(a.createdUnix == b.createdUnix);
  CHECK(a.attachedInstanceId == b.attachedInstanceId);
  CHECK(a.attachedDevice == b.attachedDevice);
  CHECK(a.mountPath == b.mountPath);
  CHECK(a.fields == b.fields);
}

} // namespace

TEST_CASE("JsonCodec: a volume list written directly reads back field for field") {
  Volume awkward = sample("vol-3", "quote\"back\\slash");
  awkward.status = "line\nbreak\ttab";
  awkward.mountPath = "/var/lib/rexray/volumes/caf\xc3\xa9"; // UTF-8, and "/" unescaped
  awkward.fields = {{"key \"q\"", "\x01control"}};
  const std::vector<Volume> volumes{sample("vol-1", "data"), sample("vol-2", "logs"), awkward,
                                    Volume{}};
  std::vector<std::shared_ptr<const Volume>> shared;
  for (const auto &v : volumes) shared.push_back(std::make_shared<const Volume>(v));
  const std::string text = json::volumesArray(shared);
  CHECK(text.find("\\/") == std::string::npos);
  const auto back = json::parseVolumes(text);
  REQUIRE(back.size() == volumes.size());
  for (size_t i = 0; i < back.size(); ++i) checkSame(back[i], volumes[i]);
  // The tree decoder the single-volume routes use reads the same text.
  checkSame(json::toVolume(json::fromVolume(volumes[0])), volumes[0]);
  CHECK(json::volumesArray({}) == "[]");
  CHECK(json::parseVolumes("[]").empty());
}

TEST_CASE("JsonCodec: what is not a volume list is refused clearly") {
  for (const std::string bad : {"{", "[[1]]", "[{\"name\":{\"x\":{}}}]", "\"text\""})
    CHECK_THROWS_AS(json::parseVolumes(bad), Error);
  try {
    json::parseVolumes("[{\"id\":");
    FAIL("a truncated list was accepted");
  } catch (const Error &e) {
    CHECK(e.kind() == ErrorKind::Invalid);
  }
}
