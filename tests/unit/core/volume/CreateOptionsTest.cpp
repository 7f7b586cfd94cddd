#include "volume/CreateOptions.h"
#include "plugin/PluginLoader.h"
#include "util/Error.h"

#include <doctest/doctest.h>

#include <string>

using namespace rexray;

namespace {

PluginInfo pluginDeclaring() {
  PluginInfo p;
  p.name = "thing";
  PluginCreateOption throughput;
  throughput.name = "throughput";
  throughput.type = RXR_TYPE_INT;
  PluginCreateOption thin;
  thin.name = "thinOrThick";
  thin.type = RXR_TYPE_STRING;
  PluginCreateOption warm;
  warm.name = "warmUp";
  warm.type = RXR_TYPE_DURATION;
  p.createOptions = {throughput, thin, warm};
  return p;
}

std::string errorOf(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const Error &e) {
    CHECK(e.kind() == ErrorKind::Invalid);
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("CreateOptions: rexray's own options are parsed, the rest kept for the driver") {
  const CreateSpec spec = parseCreateOptions(
      "data", {{"Size", "3"}, {"volumetype", "gp3"}, {"Throughput", "300"}, {"other", "x"}});
  CHECK(spec.name == "data");
  CHECK(spec.sizeGiB == 3);
  CHECK(spec.type == "gp3");
  CHECK(spec.driverOptions.size() == 2);
  CHECK(spec.driverOptions.at("Throughput") == "300");
  CHECK(spec.driverOptions.at("other") == "x");
}

TEST_CASE("CreateOptions: a driver's declared options pass under their declared names") {
  const auto out = declaredDriverOptions(
      "svc", pluginDeclaring(), {{"THROUGHPUT", "300"}, {"thinorthick", "thin"}, {"warmup", "2s"}});
  REQUIRE(out.size() == 3);
  CHECK(out[0] == std::make_pair(std::string("throughput"), std::string("300")));
  CHECK(out[1] == std::make_pair(std::string("thinOrThick"), std::string("thin")));
  CHECK(out[2] == std::make_pair(std::string("warmUp"), std::string("2s")));
}

TEST_CASE("CreateOptions: an option nobody declares names every option that exists") {
  const std::string e = errorOf([] {
    declaredDriverOptions("svc", pluginDeclaring(), {{"sise", "1"}});
  });
  CHECK(e.find("unknown option 'sise'") != std::string::npos);
  CHECK(e.find("size, iops") != std::string::npos);
  CHECK(e.find("service svc (driver thing): throughput, thinOrThick, warmUp") != std::string::npos);
  PluginInfo bare;
  bare.name = "bare";
  CHECK(errorOf([&] {
          declaredDriverOptions("b", bare, {{"x", "1"}});
        }).find("service b (driver bare): none") != std::string::npos);
}

TEST_CASE("CreateOptions: a value of the wrong type is refused, naming the option") {
  CHECK(errorOf([] {
          declaredDriverOptions("svc", pluginDeclaring(), {{"throughput", "fast"}});
        }).find("option throughput") != std::string::npos);
  CHECK(errorOf([] {
          declaredDriverOptions("svc", pluginDeclaring(), {{"warmUp", "soon"}});
        }).find("option warmUp") != std::string::npos);
}

TEST_CASE("CreateOptions: a bad value of rexray's own options names the option") {
  CHECK(errorOf([] {
          parseCreateOptions("d", {{"size", "0"}});
        }).find("option size") != std::string::npos);
  CHECK(errorOf([] {
          parseCreateOptions("d", {{"encrypted", "maybe"}});
        }).find("option encrypted") != std::string::npos);
  CHECK(errorOf([] {
          parseCreateOptions("d", {{"snapshotID", "s"}, {"volumeID", "v"}});
        }).find("exclude each other") != std::string::npos);
}
