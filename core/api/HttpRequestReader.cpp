#include "api/HttpRequestReader.h"

#include <Poco/Exception.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <sstream>

namespace rexray {
namespace {

// A chunk-size line or a trailer field is short; a longer one is an attack.
constexpr size_t kMaxChunkLine = 1024;
constexpr size_t kMaxTrailer = 8 * 1024;

bool isTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c);
}

// Poco's HTTPRequest::read skips any whitespace between the parts of the
// request line, line breaks included, and takes any version string; the
// request line is checked here first: method SP target SP HTTP/1.x.
std::string requestLineProblem(const std::string &head) {
  std::string line = head.substr(0, head.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const size_t a = line.find(' ');
  const size_t b = a == std::string::npos ? a : line.find(' ', a + 1);
  if (b == std::string::npos || line.find(' ', b + 1) != std::string::npos)
    return "malformed request line: expected METHOD TARGET HTTP/1.x";
  const std::string method = line.substr(0, a);
  const std::string target = line.substr(a + 1, b - a - 1);
  const std::string version = line.substr(b + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), isTokenChar))
    return "malformed request line: bad method";
  if (target.empty() || std::any_of(target.begin(), target.end(), [](char c) {
        return std::iscntrl(static_cast<unsigned char>(c));
      }))
    return "malformed request line: bad request target";
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    return "malformed request line: unsupported HTTP version";
  return "";
}

// The line ending at `eol` without its CR.
std::string lineAt(const std::string &in, size_t from, size_t eol) {
  size_t end = eol;
  if (end > from && in[end - 1] == '\r') --end;
  return in.substr(from, end - from);
}

} // namespace

void HttpRequestReader::append(const char *data, size_t size) {
  _in.append(data, size);
}

HttpRequestReader::State HttpRequestReader::refuse(int status, std::string reason) {
  _refusalStatus = status;
  _refusalReason = std::move(reason);
  _in.clear();
  _state = State::Refused;
  return _state;
}

bool HttpRequestReader::takeContinue() {
  const bool c = _continue;
  _continue = false;
  return c;
}

HttpRequestReader::State HttpRequestReader::advance(Deadline::Clock::time_point now) {
  for (;;) {
    switch (_state) {
    case State::Idle: {
      // RFC 9112 §2.2: empty lines before a request line are ignored.
      const size_t start = _in.find_first_not_of("\r\n");
      if (start == std::string::npos) {
        _in.clear();
        return _state;
      }
      _in.erase(0, start);
      _arrival = now;
      _scanned = 0;
      _state = State::Head;
      break;
    }
    case State::Head: {
      // Search only the new bytes (less the 2 before them that may start the
      // empty line): a head trickled byte by byte must not cost quadratic time.
      size_t end = std::string::npos;
      for (size_t i = _scanned > 2 ? _scanned - 2 : 0; i < _in.size(); ++i) {
        if (_in[i] != '\n') continue;
        if (i + 1 < _in.size() && _in[i + 1] == '\n')
          end = i + 2;
        else if (i + 2 < _in.size() && _in[i + 1] == '\r' && _in[i + 2] == '\n')
          end = i + 3;
        if (end != std::string::npos) break;
      }
      _scanned = _in.size();
      if (end == std::string::npos && _in.size() <= _limits.maxHead) return _state;
      if (end == std::string::npos || end > _limits.maxHead)
        return refuse(431, "the request head is larger than " + std::to_string(_limits.maxHead) +
                               " bytes");
      if (parseHead(end) == State::Refused) return _state;
      break;
    }
    case State::Body:
      if (_chunked) {
        if (readChunks() == State::Body) return _state;
      } else {
        const size_t n = std::min(_remaining, _in.size());
        _body.append(_in, 0, n);
        _in.erase(0, n);
        _remaining -= n;
        if (_remaining > 0) return _state;
        _state = State::Complete;
      }
      break;
    case State::Complete:
    case State::Refused: return _state;
    }
  }
}

HttpRequestReader::State HttpRequestReader::parseHead(size_t end) {
  const std::string text = _in.substr(0, end);
  _in.erase(0, end);
  if (std::string problem = requestLineProblem(text); !problem.empty()) return refuse(400, problem);
  auto head = std::make_unique<Poco::Net::HTTPRequest>();
  try {
    std::istringstream stream(text);
    head->read(stream);
  } catch (const Poco::Exception &e) {
    return refuse(400, "malformed request head: " + e.displayText());
  }
  size_t lengths = 0;
  for (const auto &field : *head)
    if (Poco::icompare(field.first, "Content-Length") == 0) ++lengths;
  _chunked = false;
  _remaining = 0;
  _body.clear();
  if (head->has("Transfer-Encoding")) {
    if (Poco::icompare(Poco::trim(head->get("Transfer-Encoding")), "chunked") != 0)
      return refuse(501, "Transfer-Encoding " + head->get("Transfer-Encoding") +
                             " is not supported; send chunked or Content-Length");
    if (lengths > 0) return refuse(400, "both Transfer-Encoding and Content-Length");
    _chunked = true;
    _chunk = Chunk::Size;
    _trailer = 0;
  } else if (lengths > 1) {
    return refuse(400, "more than one Content-Length");
  } else if (lengths == 1) {
    const std::string value = Poco::trim(head->get("Content-Length"));
    Poco::UInt64 length = 0;
    if (value.empty() || !std::all_of(value.begin(), value.end(), ::isdigit) ||
        !Poco::NumberParser::tryParseUnsigned64(value, length))
      return refuse(400, "Content-Length is not a number: " + value);
    if (length > _limits.maxBody)
      return refuse(413, "the request body (" + value + " bytes) is larger than " +
                             std::to_string(_limits.maxBody) + " bytes");
    _remaining = static_cast<size_t>(length);
  }
  // No Content-Length and not chunked: a request has no body (RFC 9112 §6.3).
  _continue = head->getExpectContinue() && (_chunked || _remaining > 0) && _in.empty();
  _head = std::move(head);
  _state = State::Body;
  return _state;
}

// Poco's HTTPChunkedInputStream decodes chunks from a blocking HTTPSession;
// here the bytes come in arbitrary pieces to a loop that must not block, so
// the chunk framing is decoded incrementally.
HttpRequestReader::State HttpRequestReader::readChunks() {
  size_t pos = 0;
  const auto finish = [&](State s) {
    if (s != State::Refused) _in.erase(0, pos);
    return s;
  };
  for (;;) {
    switch (_chunk) {
    case Chunk::Size: {
      const size_t eol = _in.find('\n', pos);
      if (eol == std::string::npos)
        return _in.size() - pos > kMaxChunkLine ? refuse(400, "chunk-size line too long")
                                                : finish(State::Body);
      std::string size = lineAt(_in, pos, eol);
      size = Poco::trim(size.substr(0, size.find(';'))); // chunk extensions are ignored
      pos = eol + 1;
      if (size.empty() || size.size() > 15 || !std::all_of(size.begin(), size.end(), ::isxdigit))
        return refuse(400, "malformed chunk size");
      const size_t n = std::stoull(size, nullptr, 16);
      if (n == 0) {
        _chunk = Chunk::Trailer;
      } else if (_body.size() + n > _limits.maxBody) {
        return refuse(413, "the request body is larger than " + std::to_string(_limits.maxBody) +
                               " bytes");
      } else {
        _remaining = n;
        _chunk = Chunk::Data;
      }
      break;
    }
    case Chunk::Data: {
      const size_t n = std::min(_remaining, _in.size() - pos);
      _body.append(_in, pos, n);
      pos += n;
      _remaining -= n;
      if (_remaining > 0) return finish(State::Body);
      _chunk = Chunk::DataEnd;
      break;
    }
    case Chunk::DataEnd:
      if (pos < _in.size() && _in[pos] == '\n') {
        pos += 1;
      } else if (pos + 1 < _in.size() && _in[pos] == '\r' && _in[pos + 1] == '\n') {
        pos += 2;
      } else if (pos >= _in.size() || (pos + 1 == _in.size() && _in[pos] == '\r')) {
        return finish(State::Body);
      } else {
        return refuse(400, "chunk data not followed by CRLF");
      }
      _chunk = Chunk::Size;
      break;
    case Chunk::Trailer: {
      const size_t eol = _in.find('\n', pos);
      if (eol == std::string::npos)
        return _trailer + _in.size() - pos > kMaxTrailer ? refuse(400, "trailer too long")
                                                         : finish(State::Body);
      const bool last = lineAt(_in, pos, eol).empty();
      _trailer += eol + 1 - pos;
      pos = eol + 1;
      if (_trailer > kMaxTrailer) return refuse(400, "trailer too long");
      if (last) {
        _state = State::Complete;
        return finish(_state);
      }
      break;
    }
    }
  }
}

ReceivedRequest HttpRequestReader::take() {
  ReceivedRequest r{std::move(_head), std::move(_body), _arrival};
  _body.clear();
  _state = State::Idle;
  _continue = false;
  return r;
}

} // namespace rexray
