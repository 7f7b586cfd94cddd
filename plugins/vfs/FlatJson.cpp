#include "FlatJson.h"

#include <charconv>
#include <stdexcept>

namespace rexray::vfs {

namespace {

void appendQuoted(std::string &out, const std::string &s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    default:
      if (c < 0x20) {
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xf];
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  out += '"';
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

class Parser {
public:
  explicit Parser(const std::string &text) : _s(text) {}

  [[noreturn]] void fail(const std::string &what) const {
    throw std::runtime_error("invalid metadata JSON at offset " + std::to_string(_i) + ": " + what);
  }
  void ws() {
    while (_i < _s.size() && (_s[_i] == ' ' || _s[_i] == '\t' || _s[_i] == '\n' || _s[_i] == '\r'))
      ++_i;
  }
  bool atEnd() const { return _i >= _s.size(); }
  char peek() const { return atEnd() ? '\0' : _s[_i]; }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++_i;
  }
  bool literal(const char *word) {
    const std::string w(word);
    if (_s.compare(_i, w.size(), w) != 0) return false;
    _i += w.size();
    return true;
  }

  uint32_t hex4() {
    if (_i + 4 > _s.size()) fail("truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = _s[_i++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<uint32_t>(c - 'A' + 10);
      else
        fail("bad hex digit in \\u escape");
    }
    return v;
  }

  std::string string() {
    expect('"');
    std::string out;
    for (;;) {
      if (atEnd()) fail("unterminated string");
      const char c = _s[_i++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (atEnd()) fail("unterminated escape");
      const char e = _s[_i++];
      switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t cp = hex4();
        if (cp >= 0xd800 && cp < 0xdc00 && _s.compare(_i, 2, "\\u") == 0) {
          _i += 2;
          const uint32_t lo = hex4();
          if (lo < 0xdc00 || lo >= 0xe000) fail("unpaired surrogate");
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        appendUtf8(out, cp);
        break;
      }
      default: fail(std::string("unknown escape \\") + e);
      }
    }
  }

  int64_t integer() {
    const size_t start = _i;
    if (peek() == '-') ++_i;
    while (!atEnd() && _s[_i] >= '0' && _s[_i] <= '9') ++_i;
    if (peek() == '.' || peek() == 'e' || peek() == 'E') fail("only integers are supported");
    int64_t v = 0;
    const auto r = std::from_chars(_s.data() + start, _s.data() + _i, v);
    if (r.ec != std::errc() || r.ptr != _s.data() + _i) fail("bad integer");
    return v;
  }

private:
  const std::string &_s;
  size_t _i = 0;
};

} // namespace

void FlatJson::put(const std::string &key, Value value) {
  for (auto &m : _members) {
    if (m.first == key) {
      m.second = std::move(value);
      return;
    }
  }
  _members.emplace_back(key, std::move(value));
}

void FlatJson::set(const std::string &key, const std::string &value) {
  Value v;
  v.kind = Kind::String;
  v.text = value;
  put(key, std::move(v));
}

void FlatJson::set(const std::string &key, int64_t value) {
  Value v;
  v.kind = Kind::Integer;
  v.number = value;
  put(key, std::move(v));
}

void FlatJson::set(const std::string &key, bool value) {
  Value v;
  v.kind = Kind::Boolean;
  v.flag = value;
  put(key, std::move(v));
}

const FlatJson::Value *FlatJson::find(const std::string &key) const {
  for (const auto &m : _members)
    if (m.first == key) return &m.second;
  return nullptr;
}

std::string FlatJson::str(const std::string &key, const std::string &fallback) const {
  const Value *v = find(key);
  return v && v->kind == Kind::String ? v->text : fallback;
}

int64_t FlatJson::integer(const std::string &key, int64_t fallback) const {
  const Value *v = find(key);
  return v && v->kind == Kind::Integer ? v->number : fallback;
}

bool FlatJson::boolean(const std::string &key, bool fallback) const {
  const Value *v = find(key);
  return v && v->kind == Kind::Boolean ? v->flag : fallback;
}

std::string FlatJson::serialize() const {
  std::string out = "{";
  bool first = true;
  for (const auto &[key, value] : _members) {
    out += first ? "\n  " : ",\n  ";
    first = false;
    appendQuoted(out, key);
    out += ": ";
    switch (value.kind) {
    case Kind::String: appendQuoted(out, value.text); break;
    case Kind::Integer: out += std::to_string(value.number); break;
    case Kind::Boolean: out += value.flag ? "true" : "false"; break;
    }
  }
  out += first ? "}\n" : "\n}\n";
  return out;
}

FlatJson FlatJson::parse(const std::string &text) {
  FlatJson obj;
  Parser p(text);
  p.ws();
  p.expect('{');
  p.ws();
  if (p.peek() == '}') {
    p.expect('}');
  } else {
    for (;;) {
      p.ws();
      const std::string key = p.string();
      p.ws();
      p.expect(':');
      p.ws();
      const char c = p.peek();
      if (c == '"') {
        obj.set(key, p.string());
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        obj.set(key, p.integer());
      } else if (p.literal("true")) {
        obj.set(key, true);
      } else if (p.literal("false")) {
        obj.set(key, false);
      } else if (!p.literal("null")) {
        p.fail("expected a string, integer, boolean or null (objects and arrays do not belong "
               "in flat metadata)");
      }
      p.ws();
      if (p.peek() == ',') {
        p.expect(',');
        continue;
      }
      p.expect('}');
      break;
    }
  }
  p.ws();
  if (!p.atEnd()) p.fail("trailing characters after the object");
  return obj;
}

} // namespace rexray::vfs
