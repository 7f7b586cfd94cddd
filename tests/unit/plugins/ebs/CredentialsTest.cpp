#include <doctest/doctest.h>

#include "EbsTestSupport.h"
#include "ebs/Credentials.h"
#include "ebs/InstanceMetadata.h"
#include "ebs/Text.h"

#include <atomic>

using rexray::ebs::CredentialsChain;
using rexray::ebs::InstanceMetadata;

namespace {

const char *kFile = R"([default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secretDefault

# a comment
[work]
aws_access_key_id=AKIDWORK
aws_secret_access_key=secretWork
aws_session_token = tokenWork
[profile legacy]
aws_access_key_id = AKIDLEGACY
aws_secret_access_key = secretLegacy
[broken]
aws_access_key_id = AKIDBROKEN
)";

rexray::sdk::Host noHost() {
  return rexray::sdk::Host(nullptr);
}

} // namespace

TEST_CASE("credentials: the shared file, profiles, AWS_SHARED_CREDENTIALS_FILE") {
  ebstest::CleanAwsEnv env;
  ebstest::TempDir home;
  ebstest::writeFile(home.path + "/.aws/credentials", kFile);
  ebstest::EnvVar h("HOME", home.path);
  CHECK(CredentialsChain::sharedFilePath() == home.path + "/.aws/credentials");
  CHECK(CredentialsChain::profileName({}) == "default");

  std::string why;
  auto d = CredentialsChain::fromSharedFile(CredentialsChain::sharedFilePath(), "default", &why);
  REQUIRE(d.has_value());
  CHECK(d->accessKeyId == "AKIDDEFAULT");
  CHECK(d->secretAccessKey == "secretDefault");
  CHECK(d->sessionToken.empty());
  auto w = CredentialsChain::fromSharedFile(CredentialsChain::sharedFilePath(), "work", &why);
  REQUIRE(w.has_value());
  CHECK(w->sessionToken == "tokenWork");
  CHECK(CredentialsChain::fromSharedFile(CredentialsChain::sharedFilePath(), "legacy", &why)
            ->accessKeyId == "AKIDLEGACY");
  CHECK_FALSE(CredentialsChain::fromSharedFile(CredentialsChain::sharedFilePath(), "broken", &why));
  CHECK(why.find("lacks") != std::string::npos);
  CHECK_FALSE(CredentialsChain::fromSharedFile(CredentialsChain::sharedFilePath(), "nope", &why));
  CHECK(why.find("no profile [nope]") != std::string::npos);
  CHECK_FALSE(CredentialsChain::fromSharedFile(home.path + "/missing", "default", &why));
  CHECK(why.find("does not exist") != std::string::npos);

  {
    ebstest::EnvVar p("AWS_PROFILE", std::string("work"));
    CHECK(CredentialsChain::profileName({}) == "work");
    CredentialsChain::Settings s;
    s.profile = "legacy";
    CHECK(CredentialsChain::profileName(s) == "legacy");
  }
  ebstest::writeFile(home.path + "/elsewhere",
                     "[default]\naws_access_key_id=AKIDELSE\naws_secret_access_key=s\n");
  ebstest::EnvVar f("AWS_SHARED_CREDENTIALS_FILE", home.path + "/elsewhere");
  CHECK(CredentialsChain::sharedFilePath() == home.path + "/elsewhere");
}

TEST_CASE("credentials: the chain's order is config, environment, file") {
  ebstest::CleanAwsEnv env;
  ebstest::TempDir home;
  ebstest::writeFile(home.path + "/.aws/credentials", kFile);
  ebstest::EnvVar h("HOME", home.path);
  ebstest::TestCall call(5000);

  {
    CredentialsChain chain({}, nullptr, noHost());
    auto c = chain.get(call.call());
    CHECK(c.accessKeyId == "AKIDDEFAULT");
    CHECK(c.source.find("credentials [default]") != std::string::npos);
  }
  {
    CredentialsChain::Settings s;
    s.profile = "work";
    CredentialsChain chain(s, nullptr, noHost());
    CHECK(chain.get(call.call()).accessKeyId == "AKIDWORK");
  }
  ebstest::EnvVar a("AWS_ACCESS_KEY_ID", std::string("AKIDENV"));
  ebstest::EnvVar b("AWS_SECRET_ACCESS_KEY", std::string("secretEnv"));
  ebstest::EnvVar t("AWS_SESSION_TOKEN", std::string("tokenEnv"));
  {
    CredentialsChain chain({}, nullptr, noHost());
    auto c = chain.get(call.call());
    CHECK(c.accessKeyId == "AKIDENV");
    CHECK(c.sessionToken == "tokenEnv");
    CHECK(c.source.find("environment") != std::string::npos);
  }
  {
    CredentialsChain chain({"AKIDCONF", "secretConf", "", ""}, nullptr, noHost());
    auto c = chain.get(call.call());
    CHECK(c.accessKeyId == "AKIDCONF");
    CHECK(c.sessionToken.empty());
    CHECK(c.expiresUnixMs == 0);
  }
  // Half a key pair is a configuration error, not a silent fall-through.
  {
    CredentialsChain chain({"AKIDCONF", "", "", ""}, nullptr, noHost());
    try {
      chain.get(call.call());
      FAIL("expected an error");
    } catch (const rexray::sdk::Error &e) {
      CHECK(e.status() == RXR_E_INVALID);
      CHECK(std::string(e.what()).find("ebs.secretKey") != std::string::npos);
    }
  }
}

TEST_CASE("credentials: nothing anywhere is RXR_E_AUTH saying what was tried") {
  ebstest::CleanAwsEnv env;
  ebstest::TempDir home;
  ebstest::EnvVar h("HOME", home.path);
  ebstest::TestCall call(5000);
  CredentialsChain chain({}, nullptr, noHost());
  try {
    chain.get(call.call());
    FAIL("expected an error");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_AUTH);
    const std::string msg = e.what();
    CHECK(msg.find("ebs.accessKey") != std::string::npos);
    CHECK(msg.find("AWS_ACCESS_KEY_ID") != std::string::npos);
    CHECK(msg.find(home.path + "/.aws/credentials") != std::string::npos);
  }
}

namespace {

// A metadata service: IMDSv2 tokens (optionally required), the identity
// document, block-device mapping and role credentials.
struct FakeImds {
  std::atomic<bool> requireToken{true};
  std::atomic<bool> tokensWork{true};
  std::atomic<int> tokenPuts{0}, roleFetches{0};
  std::atomic<int64_t> expiresInMs{3600 * 1000};
  std::string token = "tok-123";
  ebstest::FakeServer server{[this](const ebstest::SeenRequest &r) { return answer(r); }};

  ebstest::Reply answer(const ebstest::SeenRequest &r) {
    if (r.method == "PUT" && r.uri == "/latest/api/token") {
      if (!tokensWork) return {403, "Forbidden", {}};
      if (!r.headers.count("x-aws-ec2-metadata-token-ttl-seconds")) return {400, "", {}};
      ++tokenPuts;
      return {200, token, {}};
    }
    const bool hasToken = r.headers.count("x-aws-ec2-metadata-token") > 0;
    if (hasToken && r.headers.at("x-aws-ec2-metadata-token") != token) return {401, "", {}};
    if (requireToken && !hasToken) return {401, "", {}};
    if (r.uri == "/latest/dynamic/instance-identity/document")
      return {
          200,
          R"({"accountId":"123456789012","availabilityZone":"eu-west-1b","imageId":"ami-0abc","instanceId":"i-0123456789abcdef0","instanceType":"m5.large","region":"eu-west-1"})",
          {}};
    if (r.uri == "/latest/meta-data/block-device-mapping/")
      return {200, "ami\nroot\nephemeral0", {}};
    if (r.uri == "/latest/meta-data/block-device-mapping/ami") return {200, "/dev/xvda", {}};
    if (r.uri == "/latest/meta-data/block-device-mapping/root") return {200, "/dev/xvda", {}};
    if (r.uri == "/latest/meta-data/block-device-mapping/ephemeral0") return {200, "sdb", {}};
    if (r.uri == "/latest/meta-data/iam/security-credentials/") return {200, "my-role\n", {}};
    if (r.uri == "/latest/meta-data/iam/security-credentials/my-role") {
      const int n = ++roleFetches;
      const int64_t exp = rexray::ebs::text::nowUnixMs() / 1000 + expiresInMs / 1000;
      std::time_t t = static_cast<std::time_t>(exp);
      std::tm tm{};
      ::gmtime_r(&t, &tm);
      char buf[32];
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
      return {200,
              std::string(R"({"Code":"Success","AccessKeyId":"ASIAROLE)") + std::to_string(n) +
                  R"(","SecretAccessKey":"roleSecret","Token":"roleToken","Expiration":")" + buf +
                  R"("})",
              {}};
    }
    return {404, "", {}};
  }
};

} // namespace

TEST_CASE("instance metadata: IMDSv2 token, identity document, block-device mapping") {
  FakeImds imds;
  InstanceMetadata md(imds.server.url(), noHost());
  ebstest::TestCall call(10000);
  const auto doc = md.identity(call.call());
  CHECK(doc.instanceId == "i-0123456789abcdef0");
  CHECK(doc.region == "eu-west-1");
  CHECK(doc.availabilityZone == "eu-west-1b");
  CHECK(md.mode() == "v2");
  md.identity(call.call()); // cached
  const auto map = md.blockDeviceMapping(call.call());
  CHECK(map.at("ephemeral0") == "sdb");
  CHECK(map.at("root") == "/dev/xvda");
  CHECK(imds.tokenPuts == 1); // one token for every request
  CHECK_FALSE(md.get(call.call(), "/latest/meta-data/nothing").has_value());
  // Every GET carried the token.
  for (const auto &r : imds.server.requests())
    if (r.method == "GET") CHECK(r.headers.count("x-aws-ec2-metadata-token") == 1);
}

TEST_CASE("instance metadata: falls back to IMDSv1 when the token PUT is refused") {
  FakeImds imds;
  imds.tokensWork = false;
  imds.requireToken = false;
  InstanceMetadata md(imds.server.url(), noHost());
  ebstest::TestCall call(10000);
  CHECK(md.identity(call.call()).instanceId == "i-0123456789abcdef0");
  CHECK(md.mode() == "v1");
}

TEST_CASE("instance metadata: an expired token is renewed once") {
  FakeImds imds;
  InstanceMetadata md(imds.server.url(), noHost());
  ebstest::TestCall call(10000);
  CHECK(md.get(call.call(), "/latest/meta-data/block-device-mapping/root") ==
        std::string("/dev/xvda"));
  imds.token = "tok-456"; // the service forgot the old one
  CHECK(md.get(call.call(), "/latest/meta-data/block-device-mapping/root") ==
        std::string("/dev/xvda"));
  CHECK(imds.tokenPuts == 2);
}

TEST_CASE("instance metadata: unreachable is a clear error naming the endpoint") {
  std::string url;
  {
    ebstest::FakeServer s([](const ebstest::SeenRequest &) { return ebstest::Reply{}; });
    url = s.url();
  }
  InstanceMetadata md(url, noHost());
  ebstest::TestCall call(5000);
  try {
    md.identity(call.call());
    FAIL("expected an error");
  } catch (const rexray::sdk::Error &e) {
    CHECK(e.status() == RXR_E_BACKEND);
    CHECK(std::string(e.what()).find(url) != std::string::npos);
  }
  CHECK_THROWS_AS(InstanceMetadata("ftp://x", noHost()), std::invalid_argument);
}

TEST_CASE("credentials: instance-role credentials, refreshed before they expire") {
  ebstest::CleanAwsEnv env;
  ebstest::TempDir home;
  ebstest::EnvVar h("HOME", home.path);
  FakeImds imds;
  InstanceMetadata md(imds.server.url(), noHost());
  CredentialsChain chain({}, &md, noHost());
  ebstest::TestCall call(10000);
  auto c = chain.get(call.call());
  CHECK(c.accessKeyId == "ASIAROLE1");
  CHECK(c.sessionToken == "roleToken");
  CHECK(c.expiresUnixMs > rexray::ebs::text::nowUnixMs());
  CHECK(c.source.find("my-role") != std::string::npos);
  CHECK(chain.get(call.call()).accessKeyId == "ASIAROLE1"); // cached: far from expiry
  CHECK(imds.roleFetches == 1);

  // Within the refresh margin of their Expiration: fetched again.
  imds.expiresInMs = CredentialsChain::kRefreshMarginMs - 60 * 1000;
  chain.invalidate();
  CHECK(chain.get(call.call()).accessKeyId == "ASIAROLE2");
  CHECK(chain.get(call.call()).accessKeyId == "ASIAROLE3");
  CHECK(imds.roleFetches == 3);
}
