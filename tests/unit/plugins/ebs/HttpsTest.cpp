#include <doctest/doctest.h>

#include "EbsTestSupport.h"
#include "ebs/Http.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/SecureServerSocket.h>

#include <cstdlib>

namespace http = rexray::ebs::http;

namespace {

int run(const std::string &cmd) {
  return std::system(("(" + cmd + ") >/dev/null 2>&1").c_str());
}

// A CA, a certificate for localhost/127.0.0.1 and one for other.example, made
// with the openssl CLI.
struct Pki {
  ebstest::TempDir dir;
  bool ok = false;
  Pki() {
    const std::string d = dir.path;
    ok = run("cd '" + d +
             "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 "
             "-subj /CN=rexray-test-ca") == 0;
    for (const auto &[name, san] :
         {std::pair<std::string, std::string>{"local", "DNS:localhost,IP:127.0.0.1"},
          {"other", "DNS:other.example"}}) {
      ebstest::writeFile(d + "/" + name + ".ext", "subjectAltName=" + san + "\n");
      ok = ok && run("cd '" + d + "' && openssl req -newkey rsa:2048 -nodes -keyout " + name +
                     ".key -out " + name + ".csr -subj /CN=" + name + " && openssl x509 -req -in " +
                     name + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -out " + name +
                     ".pem -days 2 -extfile " + name + ".ext") == 0;
    }
  }
};

std::unique_ptr<ebstest::FakeServer> httpsServer(const Pki &pki, const std::string &name) {
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(
      Poco::Net::Context::TLS_SERVER_USE, pki.dir.path + "/" + name + ".key",
      pki.dir.path + "/" + name + ".pem", "", Poco::Net::Context::VERIFY_NONE);
  Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, ctx);
  return std::make_unique<ebstest::FakeServer>(
      [](const ebstest::SeenRequest &) {
        return ebstest::Reply{200, "secure hello", {}};
      },
      socket);
}

http::Response get(const std::string &url) {
  http::Request r;
  r.endpoint = http::Endpoint::parse(url);
  r.timeoutMs = 5000;
  return http::send(r);
}

} // namespace

TEST_CASE("https: the certificate chain and the host name are verified") {
  Pki pki;
  REQUIRE_MESSAGE(pki.ok, "the openssl CLI is needed to make test certificates");
  // OpenSSL's default verify paths honour SSL_CERT_FILE; set before the first TLS use.
  ebstest::EnvVar ca("SSL_CERT_FILE", pki.dir.path + "/ca.pem");
  auto good = httpsServer(pki, "local");
  const std::string port = std::to_string(http::Endpoint::parse(good->url()).port);
  CHECK(get("https://localhost:" + port).body == "secure hello");
  CHECK(get("https://127.0.0.1:" + port).body == "secure hello");

  auto wrongName = httpsServer(pki, "other");
  const std::string port2 = std::to_string(http::Endpoint::parse(wrongName->url()).port);
  try {
    get("https://localhost:" + port2);
    FAIL("a certificate for another host was accepted");
  } catch (const http::TransportError &e) {
    CHECK(e.kind() == http::TransportError::Kind::Tls);
    CHECK(std::string(e.what()).find("localhost") != std::string::npos);
  }
}

TEST_CASE("https: an untrusted certificate is a TLS error, plain HTTP to TLS an I/O error") {
  Pki pki;
  REQUIRE(pki.ok);
  ebstest::EnvVar ca("SSL_CERT_FILE", std::string("/nonexistent/ca.pem"));
  ebstest::EnvVar dir("SSL_CERT_DIR", std::string("/nonexistent"));
  auto server = httpsServer(pki, "local");
  const std::string port = std::to_string(http::Endpoint::parse(server->url()).port);
  try {
    get("https://localhost:" + port);
    // The TLS context may have been made by an earlier test with a trusted CA
    // (it is made once per process); then the connection is rightly accepted.
  } catch (const http::TransportError &e) {
    CHECK(e.kind() == http::TransportError::Kind::Tls);
    CHECK(std::string(e.what()).find("verify") != std::string::npos);
  }
  CHECK_THROWS_AS(get("http://127.0.0.1:" + port), http::TransportError);
}

TEST_CASE("http: endpoints and proxies") {
  const auto e = http::Endpoint::parse("https://ec2.us-east-1.amazonaws.com/");
  CHECK(e.port == 443);
  CHECK(e.hostHeader == "ec2.us-east-1.amazonaws.com");
  CHECK(e.origin == "https://ec2.us-east-1.amazonaws.com");
  const auto l = http::Endpoint::parse("http://127.0.0.1:8788");
  CHECK(l.hostHeader == "127.0.0.1:8788");
  CHECK(l.loopback());
  CHECK(http::Endpoint::parse("http://h:80/base/").path == "/base");
  CHECK_THROWS_AS(http::Endpoint::parse("ftp://h"), std::invalid_argument);
  CHECK_THROWS_AS(http::Endpoint::parse("http://"), std::invalid_argument);
  CHECK_THROWS_AS(http::Endpoint::parse("http://h/?q=1"), std::invalid_argument);

  ebstest::CleanAwsEnv env;
  ebstest::EnvVar np("NO_PROXY", std::string("internal.example,.corp"));
  CHECK_FALSE(http::proxyFor(e).has_value());
  ebstest::EnvVar p("HTTPS_PROXY", std::string("http://proxy.example:3128"));
  auto via = http::proxyFor(e);
  REQUIRE(via.has_value());
  CHECK(via->first == "proxy.example");
  CHECK(via->second == 3128);
  CHECK_FALSE(http::proxyFor(l).has_value()); // never for loopback
  CHECK_FALSE(http::proxyFor(http::Endpoint::parse("https://ec2.internal.example")).has_value());
  CHECK_FALSE(http::proxyFor(http::Endpoint::parse("https://x.corp")).has_value());
  CHECK_FALSE(
      http::proxyFor(http::Endpoint::parse("http://ec2.us-east-1.amazonaws.com")).has_value());
}
