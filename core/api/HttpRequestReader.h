#pragma once

#include "util/Deadline.h"

#include <Poco/Net/HTTPRequest.h>

#include <cstddef>
#include <memory>
#include <string>

namespace rexray {

struct ReceivedRequest {
  std::unique_ptr<Poco::Net::HTTPRequest> head;
  std::string body;
  Deadline::Clock::time_point arrival; // when its first byte came
};

// What one request may take.
struct HttpLimits {
  size_t maxHead = 64 * 1024;
  size_t maxBody = 1024 * 1024;
};

// One connection's inbound side: takes bytes as they come, in any pieces, and
// says when a whole request (head and body) is there, or why it is refused.
// It never blocks and never holds more than one request's head and body, so
// the server can keep thousands of slow or idle clients on one thread.
//
// Framing (RFC 9112 §6): chunked, or Content-Length, or (a request with
// neither) no body at all. Bodies over HttpLimits::maxBody are refused with 413
// as soon as that is known, before they are read.
class HttpRequestReader {
public:
  using Limits = HttpLimits;
  enum class State { Idle, Head, Body, Complete, Refused };

  explicit HttpRequestReader(Limits limits = HttpLimits()) : _limits(limits) {}

  void append(const char *data, size_t size);
  // Parses what has arrived as far as it goes; a request whose first byte it
  // meets now arrived at `now`.
  State advance(Deadline::Clock::time_point now);
  State state() const { return _state; }
  Deadline::Clock::time_point arrival() const { return _arrival; }

  // Once Complete: the request. The reader then starts on the next one,
  // keeping any bytes pipelined behind it.
  ReceivedRequest take();
  // Once Refused: the HTTP status and why. The framing is lost, so the
  // connection must close after the answer.
  int refusalStatus() const { return _refusalStatus; }
  const std::string &refusalReason() const { return _refusalReason; }
  // True once, right after a head with "Expect: 100-continue" whose body is
  // still to come: the client waits for "100 Continue" before sending it.
  bool takeContinue();

private:
  State refuse(int status, std::string reason);
  State parseHead(size_t end);
  State readChunks();

  enum class Chunk { Size, Data, DataEnd, Trailer };

  Limits _limits;
  State _state = State::Idle;
  std::string _in; // received, not yet parsed
  size_t _scanned = 0;
  Deadline::Clock::time_point _arrival{};
  std::unique_ptr<Poco::Net::HTTPRequest> _head;
  std::string _body;
  bool _chunked = false;
  Chunk _chunk = Chunk::Size;
  size_t _remaining = 0; // of the body (Content-Length) or of this chunk
  size_t _trailer = 0;
  bool _continue = false;
  int _refusalStatus = 0;
  std::string _refusalReason;
};

} // namespace rexray
