#include <doctest/doctest.h>

#include "EbsTestSupport.h"
#include "ebs/SigV4.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace sigv4 = rexray::ebs::sigv4;

namespace {

// specs/ec2-ebs.md §1: the test-suite credentials and time.
const sigv4::Key kKey{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const std::string kDate = "20150830T123600Z";
const std::string kForm = "application/x-www-form-urlencoded; charset=utf-8";

sigv4::Request ec2DescribeVolumes() {
  sigv4::Request r;
  r.method = "POST";
  r.path = "/";
  r.body = sigv4::canonicalQuery({{"Action", "DescribeVolumes"},
                                  {"Version", "2016-11-15"},
                                  {"VolumeId.1", "vol-049df61146c4d7901"}});
  r.headers = {{"Content-Type", kForm},
               {"Content-Length", std::to_string(r.body.size())},
               {"Host", "ec2.us-east-1.amazonaws.com"},
               {"X-Amz-Date", kDate}};
  return r;
}

} // namespace

TEST_CASE("sigv4: primitives") {
  CHECK(sigv4::sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  CHECK(sigv4::hex(sigv4::hmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(sigv4::uriEncode("a b/c~d_e.f-g*h+") == "a%20b%2Fc~d_e.f-g%2Ah%2B");
  CHECK(sigv4::uriEncode("/a b/", false) == "/a%20b/");
  CHECK(sigv4::uriEncode("ü") == "%C3%BC");
  CHECK(
      sigv4::canonicalQuery({{"b", "2"}, {"a", "z"}, {"a", "y"}, {"Filter.1.Name", "tag:Name"}}) ==
      "Filter.1.Name=tag%3AName&a=y&a=z&b=2");
  CHECK(sigv4::canonicalHeaderValue("  a   b \t c  ") == "a b c");
  CHECK(sigv4::amzDate(1440938160) == kDate);
}

TEST_CASE("sigv4: official suite get-vanilla") {
  sigv4::Request r;
  r.method = "GET";
  r.path = "/";
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", kDate}};
  const auto s = sigv4::sign(r, kKey, "us-east-1", "service", kDate);
  CHECK(s.canonicalRequest ==
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(s.canonicalRequestHash ==
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  CHECK(s.signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  CHECK(s.authorization ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("sigv4: official IAM example, including kSigning") {
  sigv4::Request r;
  r.method = "GET";
  r.path = "/";
  r.query = {{"Version", "2010-05-08"}, {"Action", "ListUsers"}};
  r.headers = {{"Content-Type", kForm}, {"Host", "iam.amazonaws.com"}, {"X-Amz-Date", kDate}};
  const auto s = sigv4::sign(r, kKey, "us-east-1", "iam", kDate);
  CHECK(s.canonicalRequestHash ==
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  CHECK(s.signingKeyHex == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  CHECK(sigv4::hex(sigv4::signingKey(kKey.secretAccessKey, "20150830", "us-east-1", "iam")) ==
        "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  CHECK(s.stringToSign ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  CHECK(s.signature == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST_CASE("sigv4: derived EC2 DescribeVolumes vector, both header sets") {
  const auto r = ec2DescribeVolumes();
  CHECK(r.body == "Action=DescribeVolumes&Version=2016-11-15&VolumeId.1=vol-049df61146c4d7901");
  CHECK(r.body.size() == 74);
  CHECK(sigv4::sha256Hex(r.body) ==
        "fc46196b1c46f2284f9eb8f29f7aeb22591b60bfee24401223666047f6ddcef2");

  const auto all = sigv4::sign(r, kKey, "us-east-1", "ec2", kDate);
  CHECK(all.signedHeaders == "content-length;content-type;host;x-amz-date");
  CHECK(all.signature == "f4e6a278cf3c561b05c4ccc27e6942beb7ad7a2f48a22737681a9e81c04d93d1");

  const auto three =
      sigv4::sign(r, kKey, "us-east-1", "ec2", kDate, {"content-type", "host", "x-amz-date"});
  CHECK(three.signedHeaders == "content-type;host;x-amz-date");
  CHECK(three.signature == "b91311b96862746015008e2a58e5fc8c8020ef9f80a521fd0e1b190510b97556");

  // Header names are case-insensitive, order does not matter, and a change
  // anywhere changes the signature.
  auto shuffled = r;
  std::swap(shuffled.headers[0], shuffled.headers[3]);
  shuffled.headers[1].first = "CONTENT-LENGTH";
  CHECK(sigv4::sign(shuffled, kKey, "us-east-1", "ec2", kDate).signature == all.signature);
  auto tampered = r;
  tampered.body.back() = '2';
  CHECK(sigv4::sign(tampered, kKey, "us-east-1", "ec2", kDate).signature != all.signature);
  CHECK(sigv4::sign(r, kKey, "us-west-2", "ec2", kDate).signature != all.signature);
  CHECK_THROWS_AS(sigv4::sign(r, kKey, "us-east-1", "ec2", kDate, {"x-missing"}),
                  std::invalid_argument);
  CHECK_THROWS_AS(sigv4::sign(r, kKey, "us-east-1", "ec2", "2015-08-30"), std::invalid_argument);
}

// ---- cross-check against botocore -------------------------------------------

namespace {

// Signs each request of a JSON list with botocore (SigV4Auth / SigV4QueryAuth)
// at a fixed time and prints one result per line.
const char *kBotocoreScript = R"PY(
import json, sys, datetime
try:
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except Exception as e:
    print("BOTOCORE-MISSING %s: %s" % (type(e).__name__, e))
    sys.exit(3)
fixed = datetime.datetime(2015, 8, 30, 12, 36, 0)
botocore.auth.get_current_datetime = lambda *a, **k: fixed
for case in json.load(open(sys.argv[1])):
    creds = Credentials(case["key"], case["secret"], case["token"] or None)
    if case["kind"] == "header":
        req = AWSRequest(method=case["method"], url=case["url"], data=case["body"].encode("utf-8"),
                         headers=dict(case["headers"]))
        botocore.auth.SigV4Auth(creds, "ec2", case["region"]).add_auth(req)
        print(req.headers["Authorization"])
    else:
        # As botocore's CopySnapshot customization does: the operation's
        # parameters move into the presigned URL's query.
        req = AWSRequest(method="GET", url=case["url"], data=dict(case["params"]), headers={})
        botocore.auth.SigV4QueryAuth(creds, "ec2", case["region"], expires=case["expires"]).add_auth(req)
        print(req.url.rsplit("X-Amz-Signature=", 1)[1])
)PY";

struct Case {
  std::string kind; // "header" or "presign"
  std::string url, host, region, body, token;
  sigv4::Pairs params;
  std::string ours; // what we compute: Authorization header, or the presign signature
};

std::string runPython(const std::string &script, const std::string &input, int *status) {
  ebstest::TempDir dir;
  ebstest::writeFile(dir.path + "/sign.py", script);
  ebstest::writeFile(dir.path + "/cases.json", input);
  const std::string cmd = "python3 '" + dir.path + "/sign.py' '" + dir.path + "/cases.json' 2>&1";
  FILE *p = ::popen(cmd.c_str(), "r");
  if (!p) {
    *status = -1;
    return "cannot run python3";
  }
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *status = ::pclose(p);
  return out;
}

} // namespace

TEST_CASE("sigv4: signatures agree with botocore byte for byte") {
  std::vector<Case> cases;
  const std::string date = kDate;
  auto header = [&](const std::string &host, const std::string &region, sigv4::Pairs form,
                    const std::string &token) {
    Case c;
    c.kind = "header";
    c.host = host;
    c.url = "http://" + host + "/";
    c.region = region;
    c.token = token;
    c.body = sigv4::canonicalQuery(form);
    sigv4::Request r;
    r.method = "POST";
    r.body = c.body;
    r.headers = {{"Content-Type", kForm},
                 {"Content-Length", std::to_string(c.body.size())},
                 {"Host", host},
                 {"X-Amz-Date", date}};
    if (!token.empty()) r.headers.emplace_back("X-Amz-Security-Token", token);
    c.ours = sigv4::sign(r, {kKey.accessKeyId, kKey.secretAccessKey, token}, region, "ec2", date)
                 .authorization;
    cases.push_back(c);
  };
  header("ec2.us-east-1.amazonaws.com", "us-east-1",
         {{"Action", "DescribeVolumes"},
          {"Version", "2016-11-15"},
          {"VolumeId.1", "vol-049df61146c4d7901"}},
         "");
  header(
      "127.0.0.1:8788", "eu-west-1",
      {{"Action", "CreateVolume"},
       {"Version", "2016-11-15"},
       {"AvailabilityZone", "eu-west-1a"},
       {"Size", "16"},
       {"Encrypted", "true"},
       {"KmsKeyId", "arn:aws:kms:us-east-1:012345678910:key/abcd1234-a123-456a-a12b-a123b4cd56ef"},
       {"TagSpecification.1.ResourceType", "volume"},
       {"TagSpecification.1.Tag.1.Key", "Name"},
       {"TagSpecification.1.Tag.1.Value", "my tag/data 01 ~*+ü"}},
      "");
  header("ec2.ap-southeast-2.amazonaws.com", "ap-southeast-2",
         {{"Action", "DescribeVolumes"},
          {"Version", "2016-11-15"},
          {"Filter.1.Name", "availability-zone"},
          {"Filter.1.Value.1", "ap-southeast-2b"},
          {"Filter.2.Name", "tag:Name"},
          {"Filter.2.Value.1", "prod/*"}},
         "FQoGZXIvYXdzEJr//////////wEaDOhQ+tok/en=");
  header("localhost:1234", "us-west-2",
         {{"Action", "AttachVolume"},
          {"Version", "2016-11-15"},
          {"Device", "/dev/xvdf"},
          {"InstanceId", "i-1234567890abcdef0"},
          {"VolumeId", "vol-049df61146c4d7901"}},
         "session token with spaces");

  // A CopySnapshot URL presigned for the source region (as the SDKs add it).
  for (const std::string &token : {std::string(), std::string("tok/en+=")}) {
    Case c;
    c.kind = "presign";
    c.host = "ec2.us-west-2.amazonaws.com";
    c.url = "https://" + c.host + "/";
    c.region = "us-west-2";
    c.token = token;
    c.params = {{"Action", "CopySnapshot"},
                {"Version", "2016-11-15"},
                {"SourceRegion", "us-west-2"},
                {"SourceSnapshotId", "snap-0123456789abcdef0"},
                {"Description", "Copy of snap-0123456789abcdef0: a/b c"},
                {"DestinationRegion", "us-east-1"}};
    c.body = sigv4::canonicalQuery(c.params);
    const std::string url = sigv4::presignUrl("https://" + c.host, c.host, c.params,
                                              {kKey.accessKeyId, kKey.secretAccessKey, token},
                                              "us-west-2", "ec2", date, 300);
    c.ours = url.substr(url.rfind("X-Amz-Signature=") + 16);
    cases.push_back(c);
  }

  Poco::JSON::Array list;
  for (const auto &c : cases) {
    Poco::JSON::Object o;
    o.set("kind", c.kind);
    o.set("method", "POST");
    o.set("url", c.url);
    o.set("region", c.region);
    o.set("body", c.body);
    o.set("key", kKey.accessKeyId);
    o.set("secret", kKey.secretAccessKey);
    o.set("token", c.token);
    o.set("expires", 300);
    Poco::JSON::Array params;
    for (const auto &[k, v] : c.params) {
      Poco::JSON::Array kv;
      kv.add(k);
      kv.add(v);
      params.add(kv);
    }
    o.set("params", params);
    Poco::JSON::Array headers;
    Poco::JSON::Array h1, h2;
    h1.add("Content-Type");
    h1.add(kForm);
    h2.add("Content-Length");
    h2.add(std::to_string(c.body.size()));
    headers.add(h1);
    headers.add(h2);
    o.set("headers", headers);
    list.add(o);
  }
  std::ostringstream json;
  list.stringify(json);

  int status = 0;
  const std::string out = runPython(kBotocoreScript, json.str(), &status);
  INFO("python3 said: " << out);
  if (status != 0)
    FAIL("the botocore cross-check needs `python3` with botocore on PATH (it comes with moto / "
         "awscli; `make deps` installs it); python3 exited with status "
         << status << ": " << out);
  std::istringstream lines(out);
  std::string line;
  for (const auto &c : cases) {
    REQUIRE(std::getline(lines, line));
    INFO(c.kind << " " << c.url << " " << c.body);
    CHECK(line == c.ours);
  }
}
