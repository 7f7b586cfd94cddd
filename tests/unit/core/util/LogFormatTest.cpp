#include "util/Log.h"

#include "util/RequestContext.h"

#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

using namespace rexray;

namespace {

std::vector<std::string> lines(const std::string &path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Logs to a temporary file for one test, then back to stderr as text.
struct LogToFile {
  LogToFile() {
    log::setFile(file.path());
    log::setLevel(log::Level::Debug);
  }
  ~LogToFile() {
    log::setFile("");
    log::setFormat(log::Format::Text);
    log::setLevel(log::Level::Warn);
  }
  Poco::TemporaryFile file;
};

} // namespace

TEST_CASE("Log: JSON lines parse, carry the level, message and request ID") {
  LogToFile sink;
  log::setFormat(log::Format::Json);
  log::info("outside any request");
  {
    request::Scope scope("rid-42");
    log::warn("volume \"{}\" says {}", "pg\\data", "hi\nthere");
    log::debug("bad bytes \xff\xfe end");
  }
  const auto got = lines(sink.file.path());
  REQUIRE(got.size() == 3);
  Poco::JSON::Parser parser;
  std::vector<Poco::JSON::Object::Ptr> objects;
  for (const auto &line : got)
    objects.push_back(parser.parse(line).extract<Poco::JSON::Object::Ptr>());
  CHECK(objects[0]->getValue<std::string>("level") == "info");
  CHECK_FALSE(objects[0]->has("requestID"));
  CHECK(objects[0]->getValue<int>("pid") > 0);
  CHECK(objects[0]->getValue<std::string>("time").size() >= 20);
  CHECK(objects[1]->getValue<std::string>("level") == "warning");
  CHECK(objects[1]->getValue<std::string>("requestID") == "rid-42");
  CHECK(objects[1]->getValue<std::string>("msg") == "volume \"pg\\data\" says hi\nthere");
  CHECK(objects[2]->getValue<std::string>("level") == "debug");
  CHECK(objects[2]->getValue<std::string>("msg") == "bad bytes ?? end");
}

TEST_CASE("Log: text lines name the request with req=") {
  LogToFile sink;
  log::setFormat(log::Format::Text);
  {
    request::Scope scope("rid-7");
    log::error("failed");
  }
  log::info("plain");
  const auto got = lines(sink.file.path());
  REQUIRE(got.size() == 2);
  CHECK(got[0].find("req=rid-7 failed") != std::string::npos);
  CHECK(got[1].find("req=") == std::string::npos);
  CHECK(got[1].find("plain") != std::string::npos);
}

TEST_CASE("Log: formats parse by name, anything else is refused") {
  CHECK(log::parseFormat("JSON") == log::Format::Json);
  CHECK(log::parseFormat("text") == log::Format::Text);
  CHECK_THROWS_WITH(log::parseFormat("xml"), "unknown log format 'xml' (use text or json)");
}
