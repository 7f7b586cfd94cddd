#include <doctest/doctest.h>

#include "ebs/Ec2Error.h"
#include "ebs/Ec2Xml.h"

#include <stdexcept>

namespace xml = rexray::ebs::xml;

namespace {

// specs/ec2-ebs.md §3, as EC2 sends it.
const char *kDescribeVolumes = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>8e2bbd4c-1234</requestId>
 <volumeSet><item>
  <volumeId>vol-049df61146c4d7901</volumeId><size>16</size><snapshotId/><availabilityZone>us-east-1a</availabilityZone>
  <status>in-use</status><createTime>2018-03-01T17:23:44.000Z</createTime>
  <attachmentSet><item><volumeId>vol-049df61146c4d7901</volumeId><instanceId>i-1234567890abcdef0</instanceId>
    <device>/dev/xvdf</device><status>attached</status><attachTime>2018-03-01T17:25:02.000Z</attachTime>
    <deleteOnTermination>false</deleteOnTermination></item></attachmentSet>
  <tagSet><item><key>Name</key><value>data01</value></item></tagSet>
  <volumeType>gp2</volumeType><iops>100</iops><encrypted>false</encrypted>
 </item></volumeSet></DescribeVolumesResponse>)";

} // namespace

TEST_CASE("ec2 xml: the spec's DescribeVolumes item") {
  const auto page = xml::parseDescribeVolumes(kDescribeVolumes);
  REQUIRE(page.volumes.size() == 1);
  CHECK(page.nextToken.empty());
  const auto &v = page.volumes[0];
  CHECK(v.id == "vol-049df61146c4d7901");
  CHECK(v.sizeGiB == 16);
  CHECK(v.snapshotId.empty());
  CHECK(v.availabilityZone == "us-east-1a");
  CHECK(v.status == "in-use");
  CHECK(v.createTime == 1519925024); // 2018-03-01T17:23:44Z
  CHECK(v.type == "gp2");
  CHECK(v.iops == 100);
  CHECK_FALSE(v.encrypted);
  CHECK(v.tag("Name") == "data01");
  CHECK(v.tag("Other").empty());
  REQUIRE(v.attachments.size() == 1);
  CHECK(v.attachments[0].instanceId == "i-1234567890abcdef0");
  CHECK(v.attachments[0].device == "/dev/xvdf");
  CHECK(v.attachments[0].status == "attached");
  CHECK(v.attachments[0].attachTime == 1519925102);
}

TEST_CASE("ec2 xml: moto's spelling, several volumes, a page token, nested tags") {
  // moto omits the namespace's trailing slash and orders elements its own way.
  const auto page = xml::parseDescribeVolumes(
      R"(<DescribeVolumesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><volumeSet>)"
      R"(<item><iops>3000</iops><tagSet><item><key>Name</key><value>t/x</value></item><item><key>k</key><value>v</value></item></tagSet>)"
      R"(<volumeType>gp3</volumeType><throughput>200</throughput><volumeId>vol-4476d5467be99b276</volumeId><size>2</size>)"
      R"(<availabilityZone>us-east-1a</availabilityZone><status>available</status><createTime>2026-11-29T15:19:38.000Z</createTime>)"
      R"(<attachmentSet/><encrypted>true</encrypted><kmsKeyId>arn:aws:kms:k</kmsKeyId></item>)"
      R"(<item><volumeId>vol-00000000000000001</volumeId></item></volumeSet>)"
      R"(<nextToken>abc</nextToken><requestId>request-id</requestId></DescribeVolumesResponse>)");
  REQUIRE(page.volumes.size() == 2);
  CHECK(page.nextToken == "abc");
  CHECK(page.volumes[0].throughput == 200);
  CHECK(page.volumes[0].encrypted);
  CHECK(page.volumes[0].kmsKeyId == "arn:aws:kms:k");
  CHECK(page.volumes[0].tags.size() == 2);
  CHECK(page.volumes[0].tag("Name") == "t/x");
  CHECK(page.volumes[0].attachments.empty());
  CHECK(page.volumes[1].id == "vol-00000000000000001");
  CHECK(page.volumes[1].sizeGiB == 0);
}

TEST_CASE("ec2 xml: the error envelope") {
  const auto e = xml::parseError(
      R"(<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>InvalidVolume.NotFound</Code><Message>The volume 'vol-0abc' does not exist.</Message></Error></Errors><RequestID>b4c1-5678</RequestID></Response>)");
  REQUIRE(e.has_value());
  CHECK(e->code == "InvalidVolume.NotFound");
  CHECK(e->message == "The volume 'vol-0abc' does not exist.");
  CHECK(e->requestId == "b4c1-5678");
  // Other AWS services' envelope.
  const auto e2 = xml::parseError(
      R"(<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r1</RequestId></ErrorResponse>)");
  REQUIRE(e2.has_value());
  CHECK(e2->code == "Throttling");
  CHECK(e2->requestId == "r1");
  CHECK_FALSE(xml::parseError("").has_value());
  CHECK_FALSE(xml::parseError("<html><body>502 Bad Gateway</body></html>").has_value());
  CHECK_FALSE(xml::parseError("not xml at all").has_value());
  CHECK_FALSE(xml::parseError(kDescribeVolumes).has_value());
}

TEST_CASE("ec2 xml: the other replies") {
  const auto a = xml::parseAttachment(
      R"(<AttachVolumeResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><volumeId>vol-049df61146c4d7901</volumeId><instanceId>i-1234567890abcdef0</instanceId><device>/dev/xvdf</device><status>attaching</status><attachTime>2018-03-01T17:25:01.000Z</attachTime></AttachVolumeResponse>)");
  CHECK(a.volumeId == "vol-049df61146c4d7901");
  CHECK(a.status == "attaching");
  CHECK(a.device == "/dev/xvdf");

  const auto v = xml::parseCreateVolume(
      R"(<CreateVolumeResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><volumeId>vol-1</volumeId><size>16</size><snapshotId>snap-1</snapshotId><availabilityZone>us-east-1a</availabilityZone><status>creating</status><volumeType>io1</volumeType><iops>3000</iops><encrypted>true</encrypted></CreateVolumeResponse>)");
  CHECK(v.id == "vol-1");
  CHECK(v.status == "creating");
  CHECK(v.snapshotId == "snap-1");
  CHECK(v.iops == 3000);
  CHECK_THROWS_AS(xml::parseCreateVolume("<CreateVolumeResponse/>"), std::runtime_error);

  const auto snaps = xml::parseDescribeSnapshots(
      R"(<DescribeSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><snapshotSet><item><snapshotId>snap-1</snapshotId><volumeId>vol-1</volumeId><status>error</status><statusMessage>boom</statusMessage><startTime>2018-03-01T17:23:44Z</startTime><progress>42%</progress><ownerId>123</ownerId><volumeSize>8</volumeSize><description>d</description><encrypted>false</encrypted><tagSet><item><key>Name</key><value>s</value></item></tagSet></item></snapshotSet></DescribeSnapshotsResponse>)");
  REQUIRE(snaps.snapshots.size() == 1);
  CHECK(snaps.snapshots[0].statusMessage == "boom");
  CHECK(snaps.snapshots[0].volumeSizeGiB == 8);
  CHECK(snaps.snapshots[0].progress == "42%");
  CHECK(snaps.snapshots[0].tag("Name") == "s");
  CHECK(snaps.snapshots[0].startTime == 1519925024);

  CHECK(
      xml::parseCopySnapshot(
          R"(<CopySnapshotResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><snapshotId>snap-2</snapshotId></CopySnapshotResponse>)") ==
      "snap-2");
  CHECK(
      xml::parseCreateSnapshot(
          R"(<CreateSnapshotResponse><snapshotId>snap-3</snapshotId><volumeId>vol-1</volumeId><status>pending</status></CreateSnapshotResponse>)")
          .status == "pending");

  const auto instances = xml::parseDescribeInstances(
      R"(<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><reservationSet><item><reservationId>r-1</reservationId><instancesSet><item><instanceId>i-1</instanceId><placement><availabilityZone>us-east-1a</availabilityZone></placement><instanceState><code>16</code><name>running</name></instanceState><blockDeviceMapping><item><deviceName>/dev/sda1</deviceName><ebs><volumeId>vol-r</volumeId><status>attached</status></ebs></item><item><deviceName>/dev/sdf</deviceName><ebs><volumeId>vol-f</volumeId><status>attaching</status></ebs></item></blockDeviceMapping></item></instancesSet></item></reservationSet></DescribeInstancesResponse>)");
  REQUIRE(instances.size() == 1);
  CHECK(instances[0].id == "i-1");
  CHECK(instances[0].availabilityZone == "us-east-1a");
  CHECK(instances[0].state == "running");
  REQUIRE(instances[0].blockDevices.size() == 2);
  CHECK(instances[0].blockDevices[1].deviceName == "/dev/sdf");
  CHECK(instances[0].blockDevices[1].volumeId == "vol-f");
}

TEST_CASE("ec2 xml: malformed and unexpected bodies throw") {
  CHECK_THROWS_AS(xml::parseDescribeVolumes("<DescribeVolumesResponse>"), std::runtime_error);
  CHECK_THROWS_AS(xml::parseDescribeVolumes("<Other/>"), std::runtime_error);
  CHECK_THROWS_AS(xml::parseDescribeVolumes(""), std::runtime_error);
  // An entity bomb stays harmless (no external entities).
  CHECK_THROWS(xml::parseDescribeVolumes(
      R"(<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><DescribeVolumesResponse><volumeSet><item><volumeId>&e;</volumeId></item></volumeSet></DescribeVolumesResponse>)"));
}

TEST_CASE("ec2 errors map to rxr statuses") {
  using rexray::ebs::statusForEc2Code;
  CHECK(statusForEc2Code("InvalidVolume.NotFound", 400) == RXR_E_NOT_FOUND);
  CHECK(statusForEc2Code("InvalidSnapshot.NotFound", 400) == RXR_E_NOT_FOUND);
  CHECK(statusForEc2Code("InvalidInstanceID.NotFound", 400) == RXR_E_NOT_FOUND);
  CHECK(statusForEc2Code("InvalidVolumeID.Malformed", 400) == RXR_E_INVALID);
  CHECK(statusForEc2Code("VolumeInUse", 400) == RXR_E_BUSY);
  CHECK(statusForEc2Code("IncorrectState", 400) == RXR_E_BUSY);
  CHECK(statusForEc2Code("AuthFailure", 401) == RXR_E_AUTH);
  CHECK(statusForEc2Code("SignatureDoesNotMatch", 403) == RXR_E_AUTH);
  CHECK(statusForEc2Code("UnauthorizedOperation", 403) == RXR_E_AUTH);
  CHECK(statusForEc2Code("InvalidParameterValue", 400) == RXR_E_INVALID);
  CHECK(statusForEc2Code("InvalidVolume.ZoneMismatch", 400) == RXR_E_INVALID);
  CHECK(statusForEc2Code("InvalidZone.NotFound", 400) == RXR_E_INVALID);
  CHECK(statusForEc2Code("VolumeLimitExceeded", 400) == RXR_E_EXHAUSTED);
  CHECK(statusForEc2Code("AttachmentLimitExceeded", 400) == RXR_E_EXHAUSTED);
  CHECK(statusForEc2Code("InsufficientVolumeCapacity", 400) == RXR_E_EXHAUSTED);
  CHECK(statusForEc2Code("RequestLimitExceeded", 503) == RXR_E_BACKEND);
  CHECK(statusForEc2Code("InternalError", 500) == RXR_E_BACKEND);
  CHECK(statusForEc2Code("", 403) == RXR_E_AUTH);
  CHECK(statusForEc2Code("", 502) == RXR_E_BACKEND);
}
