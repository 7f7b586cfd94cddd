#include "api/HttpRequestReader.h"

#include <doctest/doctest.h>

#include <string>

using rexray::HttpRequestReader;
using State = rexray::HttpRequestReader::State;

namespace {

const auto kNow = rexray::Deadline::Clock::now();

// Feeds `bytes` in pieces of `piece` bytes; returns the final state.
State feed(HttpRequestReader &reader, const std::string &bytes, size_t piece = 1) {
  State s = reader.state();
  for (size_t i = 0; i < bytes.size(); i += piece) {
    reader.append(bytes.data() + i, std::min(piece, bytes.size() - i));
    s = reader.advance(kNow);
  }
  return s;
}

} // namespace

TEST_CASE("HttpRequestReader: a head and Content-Length body arriving byte by byte") {
  HttpRequestReader reader;
  const std::string request = "POST /VolumeDriver.Get HTTP/1.1\r\nHost: x\r\nContent-Length: "
                              "13\r\n\r\n{\"Name\":\"v1\"}";
  CHECK(feed(reader, request.substr(0, 20)) == State::Head);
  CHECK(feed(reader, request.substr(20)) == State::Complete);
  auto r = reader.take();
  CHECK(r.head->getMethod() == "POST");
  CHECK(r.head->getURI() == "/VolumeDriver.Get");
  CHECK(r.body == "{\"Name\":\"v1\"}");
  CHECK(reader.state() == State::Idle);
}

TEST_CASE("HttpRequestReader: a POST with neither Content-Length nor chunked has no body") {
  HttpRequestReader reader;
  CHECK(feed(reader, "POST /VolumeDriver.List HTTP/1.1\r\nHost: x\r\n\r\n", 100) ==
        State::Complete);
  CHECK(reader.take().body.empty());
}

TEST_CASE("HttpRequestReader: chunked bodies, extensions and trailers, in any pieces") {
  const std::string request = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "4;ext=1\r\n{\"Na\r\n9\r\nme\":\"v1\"}\r\n0\r\nTrailer: t\r\n\r\n";
  for (size_t piece : {size_t{1}, size_t{3}, request.size()}) {
    HttpRequestReader reader;
    REQUIRE(feed(reader, request, piece) == State::Complete);
    CHECK(reader.take().body == "{\"Name\":\"v1\"}");
  }
}

TEST_CASE("HttpRequestReader: pipelined requests come one at a time") {
  HttpRequestReader reader;
  CHECK(feed(reader, "\r\nPOST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}POST /b HTTP/1.1\r\n\r\n",
             1000) == State::Complete);
  CHECK(reader.take().head->getURI() == "/a");
  CHECK(reader.advance(kNow) == State::Complete);
  CHECK(reader.take().head->getURI() == "/b");
  CHECK(reader.advance(kNow) == State::Idle);
}

TEST_CASE("HttpRequestReader: bodies over the limit are refused with 413 before they are read") {
  HttpRequestReader::Limits limits;
  limits.maxBody = 10;
  HttpRequestReader reader(limits);
  CHECK(feed(reader, "POST /x HTTP/1.1\r\nContent-Length: 100000000\r\n\r\n", 7) == State::Refused);
  CHECK(reader.refusalStatus() == 413);
  HttpRequestReader chunked(limits);
  CHECK(feed(chunked,
             "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n"
             "8\r\n",
             5) == State::Refused);
  CHECK(chunked.refusalStatus() == 413);
}

TEST_CASE("HttpRequestReader: malformed requests are refused with 400") {
  for (const std::string bad :
       {"GARBAGE\r\n\r\n", "GET /x\r\n\r\n", "GET  /x HTTP/1.1\r\n\r\n", "GET /x FOO/1.1\r\n\r\n",
        "G(T /x HTTP/1.1\r\n\r\n", "POST /x HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
        "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n"}) {
    HttpRequestReader reader;
    CHECK_MESSAGE(feed(reader, bad, 4) == State::Refused, bad);
    CHECK_MESSAGE(reader.refusalStatus() == 400, bad);
  }
}

TEST_CASE("HttpRequestReader: a head without end over the limit is refused with 431") {
  HttpRequestReader::Limits limits;
  limits.maxHead = 100;
  HttpRequestReader reader(limits);
  CHECK(feed(reader, "POST /x HTTP/1.1\r\nX: " + std::string(200, 'a'), 10) == State::Refused);
  CHECK(reader.refusalStatus() == 431);
}

TEST_CASE("HttpRequestReader: Expect: 100-continue asks once for the body") {
  HttpRequestReader reader;
  feed(reader, "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", 100);
  CHECK(reader.takeContinue());
  CHECK_FALSE(reader.takeContinue());
  CHECK(feed(reader, "{}") == State::Complete);
}
