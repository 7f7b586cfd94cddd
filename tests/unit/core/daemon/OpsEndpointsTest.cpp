#include "daemon/OpsEndpoints.h"

#include <doctest/doctest.h>

using namespace rexray;

TEST_CASE("OpsEndpoints: /healthz answers while services start, /readyz only when all are ready") {
  ServiceDirectory services({"ebs", "vfs"});
  const auto health = serveOps("GET", "/healthz", services);
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == "ok\n");

  auto ready = serveOps("GET", "/readyz", services);
  REQUIRE(ready);
  CHECK(ready->status == 503);
  CHECK(ready->body == "ebs: starting\nvfs: starting\n");

  services.markFailed("vfs", "no such plugin");
  ready = serveOps("GET", "/readyz?verbose", services);
  REQUIRE(ready);
  CHECK(ready->status == 503);
  CHECK(ready->body.find("vfs: failed (no such plugin)\n") != std::string::npos);
}

TEST_CASE("OpsEndpoints: /metrics is Prometheus text with the service gauges") {
  ServiceDirectory services({"s1"});
  auto gauges = collectServiceGauges(services);
  const auto reply = serveOps("GET", "/metrics", services);
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->contentType == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(reply->body.find("rexray_service_ready{service=\"s1\"} 0\n") != std::string::npos);
  CHECK(reply->body.find("# TYPE rexray_build_info gauge\n") != std::string::npos);
  CHECK(reply->body.find("rexray_build_info{version=\"") != std::string::npos);
  gauges.reset();
  CHECK(serveOps("GET", "/metrics", services)->body.find("rexray_service_ready") ==
        std::string::npos);
}

TEST_CASE("OpsEndpoints: other paths are not theirs, other methods are refused") {
  ServiceDirectory services({"s1"});
  CHECK_FALSE(serveOps("GET", "/volumes/s1", services));
  CHECK_FALSE(isOpsPath("/metricsx"));
  CHECK(isOpsPath("/metrics?x=1"));
  const auto post = serveOps("POST", "/metrics", services);
  REQUIRE(post);
  CHECK(post->status == 405);
}
