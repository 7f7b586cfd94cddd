#include <doctest/doctest.h>

#include "EbsTestSupport.h"
#include "ebs/EbsDriver.h"
#include "ebs/EbsSettings.h"
#include "ebs/Text.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <atomic>
#include <map>
#include <thread>

using rexray::ebs::EbsDriver;
using rexray::ebs::EbsSettings;

namespace {

std::function<std::optional<std::string>(const std::string &)>
lookupFrom(std::map<std::string, std::string> m) {
  return [m](const std::string &k) -> std::optional<std::string> {
    auto it = m.find(k);
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

} // namespace

TEST_CASE("ebs settings: defaults and every key") {
  const auto d = EbsSettings::load(lookupFrom({}));
  CHECK(d.metadataEndpoint == "http://169.254.169.254"); // the default; tests never use it
  CHECK(d.endpoint.empty());
  CHECK(d.endpointFor("eu-west-1") == "https://ec2.eu-west-1.amazonaws.com");
  CHECK(d.maxRetries == 10);
  CHECK(d.statusMaxAttempts == 10);
  CHECK(d.statusInitialDelayMs == 100);
  CHECK(d.statusTimeoutMs == 120000);
  CHECK(d.deviceRoot == "/dev");
  CHECK(d.sysfsRoot == "/sys");
  CHECK_FALSE(d.useLargeDeviceRange);

  const auto s = EbsSettings::load(lookupFrom({{"accessKey", "AK"},
                                               {"secretKey", "SK"},
                                               {"region", "eu-west-1"},
                                               {"endpoint", "http://127.0.0.1:1"},
                                               {"metadataEndpoint", "http://127.0.0.1:2"},
                                               {"maxRetries", "3"},
                                               {"tag", "prod/"},
                                               {"kmsKeyID", "arn:k"},
                                               {"useLargeDeviceRange", "true"},
                                               {"statusMaxAttempts", "5"},
                                               {"statusInitialDelay", "250ms"},
                                               {"statusTimeout", "1m30s"},
                                               {"deviceRoot", "/tmp/dev"},
                                               {"sysfsRoot", "/tmp/sys"},
                                               {"throughput", "250"}}));
  CHECK(s.tag == "prod"); // a trailing slash is dropped
  CHECK(s.endpointFor("us-west-2") == "http://127.0.0.1:1");
  CHECK(s.maxRetries == 3);
  CHECK(s.useLargeDeviceRange);
  CHECK(s.statusInitialDelayMs == 250);
  CHECK(s.statusTimeoutMs == 90000);
  CHECK(s.throughput == 250);
  CHECK(EbsSettings::load(lookupFrom({{"rexrayTag", "old"}})).tag == "old");

  for (const auto &[k, v] : std::map<std::string, std::string>{{"maxRetries", "many"},
                                                               {"statusTimeout", "soon"},
                                                               {"statusInitialDelay", "0ms"},
                                                               {"useLargeDeviceRange", "maybe"},
                                                               {"statusMaxAttempts", "0"}}) {
    try {
      EbsSettings::load(lookupFrom({{k, v}}));
      FAIL("expected an error for " << k);
    } catch (const rexray::sdk::Error &e) {
      CHECK(e.status() == RXR_E_INVALID);
      CHECK(std::string(e.what()).find("ebs." + k) != std::string::npos);
    }
  }
}

TEST_CASE("ebs driver: tokens, ids and the Name tag scope") {
  CHECK(EbsDriver::makeToken("/dev/xvdf", "vol-049df61146c4d7901") ==
        "/dev/xvdf@vol-049df61146c4d7901");
  CHECK(EbsDriver::parseToken("/dev/xvdf@vol-049df61146c4d7901") ==
        std::make_pair(std::string("/dev/xvdf"), std::string("vol-049df61146c4d7901")));
  CHECK(EbsDriver::parseToken("/dev/xvdg") ==
        std::make_pair(std::string("/dev/xvdg"), std::string()));
  CHECK(EbsDriver::plausibleVolumeId("vol-049df61146c4d7901"));
  CHECK(EbsDriver::plausibleVolumeId("vol-0abcdef1"));
  CHECK_FALSE(EbsDriver::plausibleVolumeId("vol-0ABC"));
  CHECK_FALSE(EbsDriver::plausibleVolumeId("data01"));
  CHECK_FALSE(EbsDriver::plausibleVolumeId("vol-../../etc"));
  CHECK(EbsDriver::plausibleSnapshotId("snap-0123456789abcdef0"));
  CHECK_FALSE(EbsDriver::plausibleSnapshotId("vol-0123456789abcdef0"));

  EbsSettings tagged;
  tagged.tag = "prod";
  tagged.metadataEndpoint = "http://127.0.0.1:9";
  EbsDriver d(rexray::sdk::Host(nullptr), "ebs", tagged);
  CHECK(d.nameTagFor("data01") == "prod/data01");
  CHECK(d.nameFromTag("prod/data01") == std::string("data01"));
  CHECK(d.nameFromTag("prod/a/b") == std::string("a/b"));
  CHECK_FALSE(d.nameFromTag("data01").has_value());
  CHECK_FALSE(d.nameFromTag("production/data01").has_value());
  CHECK_FALSE(d.nameFromTag("prod/").has_value());

  EbsSettings plain;
  plain.metadataEndpoint = "http://127.0.0.1:9";
  EbsDriver p(rexray::sdk::Host(nullptr), "ebs", plain);
  CHECK(p.nameTagFor("data01") == "data01");
  CHECK(p.nameFromTag("") == std::string());

  EbsSettings bad;
  bad.metadataEndpoint = "gopher://x";
  CHECK_THROWS_AS(EbsDriver(rexray::sdk::Host(nullptr), "ebs", bad), rexray::sdk::Error);
}

TEST_CASE("ebs driver: wait_for_device identifies the NVMe disk by serial within the deadline") {
  ebstest::TempDir dir;
  EbsSettings s;
  s.metadataEndpoint = "http://127.0.0.1:9";
  s.deviceRoot = dir.path + "/dev";
  s.sysfsRoot = dir.path + "/sys";
  ebstest::mkdirs(s.deviceRoot);
  ebstest::mkdirs(s.sysfsRoot + "/block");
  EbsDriver d(rexray::sdk::Host(nullptr), "ebs", s);

  // The disk shows up a little after the call starts, as hot-plug does.
  std::thread plug([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ebstest::writeFile(s.sysfsRoot + "/block/nvme1n1/device/serial", "vol049df61146c4d7901\n");
    ::mknod((s.deviceRoot + "/nvme1n1").c_str(), S_IFBLK | 0600, makedev(7, 220));
  });
  ebstest::TestCall call(5000);
  CHECK(d.waitForDevice(call.call(), "vol-049df61146c4d7901", "/dev/xvdf@vol-049df61146c4d7901") ==
        s.deviceRoot + "/nvme1n1");
  plug.join();
  // A bare device token (what the host has without a stored one) works too.
  CHECK(d.waitForDevice(call.call(), "vol-049df61146c4d7901", "/dev/xvdf") ==
        s.deviceRoot + "/nvme1n1");
  // A token of another volume is refused.
  CHECK_THROWS_AS(
      d.waitForDevice(call.call(), "vol-0aaaaaaaaaaaaaaaa", "/dev/xvdf@vol-049df61146c4d7901"),
      rexray::sdk::Error);

  // Never there: a timeout naming what was looked for, before the deadline passes by much.
  ebstest::TestCall shortCall(400);
  const auto t0 = std::chrono::steady_clock::now();
  try {
    d.waitForDevice(shortCall.call(), "vol-0bbbbbbbbbbbbbbbb", "/dev/xvdg@vol-0bbbbbbbbbbbbbbbb");
    FAIL("expected a timeout");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_TIMEOUT);
    const std::string msg = e.what();
    CHECK(msg.find("vol0bbbbbbbbbbbbbbbb") != std::string::npos);
    CHECK(msg.find(s.deviceRoot + "/xvdg") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1500));
}

// ---- the driver against a small scripted EC2 ---------------------------------

namespace {

const char *kInstance = "i-0123456789abcdef0";
const char *kOther = "i-0fedcba9876543210";
const char *kVolume = "vol-049df61146c4d7901";

std::string param(const std::string &body, const std::string &key) {
  for (const auto &kv : rexray::ebs::text::split(body, '&')) {
    const auto eq = kv.find('=');
    if (eq != std::string::npos && kv.substr(0, eq) == key) {
      std::string v = kv.substr(eq + 1), out;
      for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size()) {
          out += static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          out += v[i];
        }
      }
      return out;
    }
  }
  return "";
}

// EC2 for one volume and two instances; the device names listed in `phantom`
// are refused with "already in use" although DescribeInstances does not show them.
struct FakeEc2 {
  std::mutex mu;
  std::string attachedTo, device, state; // state: "", attaching, attached
  std::set<std::string> phantom = {"/dev/xvdf"};
  std::vector<std::string> attachDevices;
  std::vector<std::string> detachForce; // the Force parameter of each DetachVolume
  int describeInstances = 0;
  ebstest::FakeServer server{[this](const ebstest::SeenRequest &r) { return answer(r); }};

  std::string volumeXml() {
    std::string att;
    if (!attachedTo.empty())
      att = "<item><volumeId>" + std::string(kVolume) + "</volumeId><instanceId>" + attachedTo +
            "</instanceId><device>" + device + "</device><status>" + state + "</status></item>";
    return std::string("<item><volumeId>") + kVolume +
           "</volumeId><size>1</size><availabilityZone>us-east-1a</availabilityZone><status>" +
           (attachedTo.empty() ? "available" : "in-use") + "</status><attachmentSet>" + att +
           "</attachmentSet><tagSet><item><key>Name</key><value>data01</value></item></tagSet>"
           "<volumeType>gp2</volumeType></item>";
  }

  ebstest::Reply answer(const ebstest::SeenRequest &r) {
    std::lock_guard<std::mutex> g(mu);
    if (r.uri != "/" || r.method != "POST") return imds(r);
    const std::string action = param(r.body, "Action");
    if (action == "DescribeVolumes") {
      // Attachments settle one describe after they start.
      std::string items = param(r.body, "Filter.1.Value.1") == kVolume ? volumeXml() : "";
      if (state == "attaching") state = "attached";
      return {200,
              "<DescribeVolumesResponse><volumeSet>" + items +
                  "</volumeSet></DescribeVolumesResponse>",
              {}};
    }
    if (action == "DescribeInstances" && param(r.body, "InstanceId.1") == kOther) {
      // The other instance: xvdf taken there, in the volume's zone.
      std::string bdm = "<item><deviceName>/dev/sda1</deviceName></item>"
                        "<item><deviceName>/dev/sdf</deviceName></item>";
      if (attachedTo == kOther) bdm += "<item><deviceName>" + device + "</deviceName></item>";
      return {200,
              std::string("<DescribeInstancesResponse><reservationSet><item><instancesSet><item>"
                          "<instanceId>") +
                  kOther +
                  "</instanceId><placement><availabilityZone>us-east-1a</availabilityZone>"
                  "</placement><instanceState><name>running</name></instanceState>"
                  "<blockDeviceMapping>" +
                  bdm +
                  "</blockDeviceMapping></item></instancesSet></item></reservationSet>"
                  "</DescribeInstancesResponse>",
              {}};
    }
    if (action == "DescribeInstances" && param(r.body, "InstanceId.1") != kInstance)
      return {400,
              ebstest::ec2Error("InvalidInstanceID.NotFound", "The instance ID '" +
                                                                  param(r.body, "InstanceId.1") +
                                                                  "' does not exist"),
              {}};
    if (action == "DescribeInstances") {
      ++describeInstances;
      std::string bdm =
          "<item><deviceName>/dev/sda1</deviceName><ebs><volumeId>vol-root</volumeId></ebs></item>";
      if (attachedTo == kInstance)
        bdm += "<item><deviceName>" + device + "</deviceName><ebs><volumeId>" + kVolume +
               "</volumeId></ebs></item>";
      return {
          200,
          std::string(
              "<DescribeInstancesResponse><reservationSet><item><instancesSet><item><instanceId>") +
              kInstance + "</instanceId><blockDeviceMapping>" + bdm +
              "</blockDeviceMapping></item></instancesSet></item></reservationSet></"
              "DescribeInstancesResponse>",
          {}};
    }
    if (action == "AttachVolume") {
      const std::string dev = param(r.body, "Device");
      attachDevices.push_back(dev);
      if (phantom.count(dev))
        return {400,
                ebstest::ec2Error("InvalidParameterValue",
                                  "Invalid value '" + dev + "' for unixDevice. Attachment point " +
                                      dev + " is already in use"),
                {}};
      if (!attachedTo.empty())
        return {400,
                ebstest::ec2Error("VolumeInUse",
                                  std::string(kVolume) + " is already attached to an instance"),
                {}};
      attachedTo = param(r.body, "InstanceId");
      device = dev;
      state = "attaching";
      return {200,
              "<AttachVolumeResponse><volumeId>" + std::string(kVolume) +
                  "</volumeId><status>attaching</status></AttachVolumeResponse>",
              {}};
    }
    if (action == "DetachVolume") {
      detachForce.push_back(param(r.body, "Force"));
      if (attachedTo.empty())
        return {
            400, ebstest::ec2Error("IncorrectState", "Volume is in the 'available' state."), {}};
      attachedTo.clear();
      device.clear();
      state.clear();
      return {200, "<DetachVolumeResponse><status>detaching</status></DetachVolumeResponse>", {}};
    }
    return {400, ebstest::ec2Error("InvalidAction", "unexpected " + action), {}};
  }

  ebstest::Reply imds(const ebstest::SeenRequest &r) {
    if (r.method == "PUT") return {200, "token", {}};
    if (r.uri == "/latest/dynamic/instance-identity/document")
      return {200,
              std::string(R"({"instanceId":")") + kInstance +
                  R"(","region":"us-east-1","availabilityZone":"us-east-1a"})",
              {}};
    if (r.uri == "/latest/meta-data/block-device-mapping/") return {200, "ephemeral0", {}};
    if (r.uri == "/latest/meta-data/block-device-mapping/ephemeral0") return {200, "sdg", {}};
    return {404, "", {}};
  }
};

// The driver's settings against the fake EC2 (EC2 and the metadata service
// on one local server), with device and sysfs roots under `dir`.
EbsSettings fakeEc2Settings(const FakeEc2 &ec2, const ebstest::TempDir &dir) {
  EbsSettings s;
  s.accessKey = "AKIDTEST";
  s.secretKey = "secret";
  s.region = "us-east-1";
  s.endpoint = ec2.server.url();
  s.metadataEndpoint = ec2.server.url();
  s.deviceRoot = dir.path + "/dev";
  s.sysfsRoot = dir.path + "/sys";
  s.statusInitialDelayMs = 20;
  return s;
}

// An attach refused as BUSY, naming the instance that holds the volume.
void checkBusyNamingOther(EbsDriver &d, ebstest::TestCall &call,
                          const rexray::sdk::AttachOptions &o) {
  try {
    d.attachVolume(call.call(), o);
    FAIL("expected BUSY");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_BUSY);
    CHECK(std::string(e.what()).find(kOther) != std::string::npos);
  }
}

} // namespace

TEST_CASE("ebs driver: attach skips names in use (EC2, launch mapping, local), then identifies the "
          "device") {
  ebstest::CleanAwsEnv env;
  FakeEc2 ec2;
  ebstest::TempDir dir;
  EbsSettings s = fakeEc2Settings(ec2, dir);
  ebstest::mkdirs(s.sysfsRoot + "/block");
  ebstest::mkdirs(s.deviceRoot);
  // xvdh exists locally (another tool's disk): never asked for.
  ::mknod((s.deviceRoot + "/xvdh").c_str(), S_IFBLK | 0600, makedev(7, 230));
  EbsDriver d(rexray::sdk::Host(nullptr), "ebs", s);
  ebstest::TestCall call(20000);

  CHECK(d.instanceId(call.call()) == kInstance);
  // The hint skips xvdg (ephemeral0 → sdg) and xvdh (local); xvdf looks free
  // but EC2 refuses it as a phantom.
  const std::string hint = d.nextDevice(call.call());
  CHECK(hint == "/dev/xvdf");
  rexray::sdk::AttachOptions o;
  o.volumeId = kVolume;
  o.nextDevice = hint;
  const std::string token = d.attachVolume(call.call(), o);
  CHECK(token == std::string("/dev/xvdi@") + kVolume);
  CHECK(ec2.attachDevices == std::vector<std::string>{"/dev/xvdf", "/dev/xvdi"});

  // The name alone is not trusted: nothing there yet → timeout; the disk → found.
  ebstest::TestCall shortCall(300);
  CHECK_THROWS_AS(d.waitForDevice(shortCall.call(), kVolume, token), rexray::sdk::Error);
  ::mknod((s.deviceRoot + "/xvdi").c_str(), S_IFBLK | 0600, makedev(7, 231));
  CHECK(d.waitForDevice(call.call(), kVolume, token) == s.deviceRoot + "/xvdi");

  // Attaching again is idempotent.
  CHECK(d.attachVolume(call.call(), o) == token);
  const auto v = d.volume(call.call(), kVolume);
  CHECK(v.attachedInstanceId == kInstance);
  CHECK(v.attachedDevice == "/dev/xvdi");
  CHECK(v.name == "data01");

  d.detachVolume(call.call(), kVolume, false);
  CHECK(ec2.detachForce == std::vector<std::string>{"false"});
  CHECK(d.volume(call.call(), kVolume).attachedInstanceId.empty());
  d.detachVolume(call.call(), kVolume, false); // detached already: fine

  // The next attach rotates on (xvdj), not back to the name just released, and
  // xvdf stays poisoned.
  ec2.phantom.clear();
  ::unlink((s.deviceRoot + "/xvdi").c_str());
  o.nextDevice.clear();
  CHECK(d.attachVolume(call.call(), o) == std::string("/dev/xvdj@") + kVolume);
}

TEST_CASE(
    "ebs driver: attached to another instance → BUSY naming it, or force-detached with force") {
  ebstest::CleanAwsEnv env;
  FakeEc2 ec2;
  ec2.phantom.clear();
  ec2.attachedTo = kOther;
  ec2.device = "/dev/xvdf";
  ec2.state = "attached";
  ebstest::TempDir dir;
  EbsSettings s = fakeEc2Settings(ec2, dir);
  EbsDriver d(rexray::sdk::Host(nullptr), "ebs", s);
  ebstest::TestCall call(20000);
  CHECK(d.volume(call.call(), kVolume).attachedInstanceId == kOther);
  rexray::sdk::AttachOptions o;
  o.volumeId = kVolume;
  checkBusyNamingOther(d, call, o);
  o.force = true;
  const std::string token = d.attachVolume(call.call(), o);
  CHECK(ec2.detachForce == std::vector<std::string>{"true"});
  CHECK(token.find(kVolume) != std::string::npos);
  CHECK(d.volume(call.call(), kVolume).attachedInstanceId == kInstance);
}

TEST_CASE("ebs driver: instance info and attaching to another instance of the region (ABI 1.3)") {
  ebstest::CleanAwsEnv env;
  FakeEc2 ec2;
  ebstest::TempDir dir;
  EbsSettings s = fakeEc2Settings(ec2, dir);
  EbsDriver d(rexray::sdk::Host(nullptr), "ebs", s);
  ebstest::TestCall call(20000);

  const auto info = d.instanceInfo(call.call());
  CHECK(info.zone == "us-east-1a");
  CHECK(info.maxAttachments == 11); // /dev/xvd[f-p]

  rexray::sdk::AttachOptions o;
  o.volumeId = kVolume;
  o.instanceId = kOther;
  // xvdf is in the other instance's mapping (as sdf): the next name, and no
  // local device is looked for.
  const std::string token = d.attachVolume(call.call(), o);
  CHECK(token == std::string("/dev/xvdg@") + kVolume);
  CHECK(ec2.attachDevices == std::vector<std::string>{"/dev/xvdg"});
  CHECK(d.volume(call.call(), kVolume).attachedInstanceId == kOther);
  // Attached there already: its token again, no second AttachVolume.
  CHECK(d.attachVolume(call.call(), o) == token);
  CHECK(ec2.attachDevices.size() == 1);
  // To this instance now: BUSY naming the other.
  o.instanceId.clear();
  checkBusyNamingOther(d, call, o);
  d.detachVolume(call.call(), kVolume, false);

  // Instances EC2 does not know, or that are no instance id at all.
  for (const std::string unknown : {"i-00000000000000bad", "node-1"}) {
    o.instanceId = unknown;
    try {
      d.attachVolume(call.call(), o);
      FAIL("expected NOT_FOUND for " << unknown);
    } catch (const rexray::sdk::Error &e) {
      CHECK(e.status() == RXR_E_NOT_FOUND);
      CHECK(std::string(e.what()).find(unknown) != std::string::npos);
    }
  }
  CHECK(ec2.attachDevices.size() == 1);
}
