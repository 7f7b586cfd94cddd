#include "api/JsonCodec.h"

#include "util/Error.h"

#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Handler.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSONString.h>
#include <Poco/TextConverter.h>
#include <Poco/Timestamp.h>
#include <Poco/UTF8Encoding.h>

#include <algorithm>
#include <ctime>
#include <sstream>

namespace rexray::json {
namespace {

std::string str(const Poco::JSON::Object::Ptr &o, const char *key) {
  return o->has(key) && !o->isNull(key) ? o->getValue<std::string>(key) : std::string();
}

int64_t num(const Poco::JSON::Object::Ptr &o, const char *key) {
  return o->has(key) && !o->isNull(key) ? o->getValue<int64_t>(key) : 0;
}

bool flag(const Poco::JSON::Object::Ptr &o, const char *key) {
  return o->has(key) && !o->isNull(key) && o->getValue<bool>(key);
}

} // namespace

Poco::JSON::Object::Ptr orderedObject() {
  return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

std::string rfc3339(int64_t unixSeconds) {
  if (unixSeconds <= 0) return "";
  // strftime rather than Poco::DateTimeFormatter: Docker's Get asks for this
  // on every call, and the C library does it in a fraction of the time.
  const time_t t = static_cast<time_t>(unixSeconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t parseRfc3339(const std::string &text) {
  if (text.empty()) return 0;
  int tz = 0;
  Poco::DateTime dt = Poco::DateTimeParser::parse(text, tz);
  return dt.timestamp().epochTime() - tz;
}

std::string quote(const std::string &s) {
  // Poco::toJSON leaves "/" alone (UTF8::escape would write "\\/" in every
  // path), but copies bytes >= 0x80 as they are (found by fuzz/docker_request).
  const bool ascii =
      std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return Poco::toJSON(s);
  Poco::UTF8Encoding utf8;
  Poco::TextConverter converter(utf8, utf8, '?');
  std::string valid;
  converter.convert(s, valid);
  return Poco::toJSON(valid);
}

void appendQuoted(std::string &out, const std::string &s) {
  // Poco::toJSON appends a character at a time (3.3 million appends for a
  // list of 10,000 volumes); text with nothing to escape, which is nearly
  // all of it, goes in whole.
  const bool plain = std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u >= 0x80 || c == '"' || c == '\\';
  });
  if (!plain) {
    out += quote(s);
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

void appendVolume(std::string &out, const Volume &v) {
  const auto text = [&](const char *key, const std::string &value) {
    out += '"';
    out += key;
    out += "\":";
    appendQuoted(out, value);
    out += ',';
  };
  const auto number = [&](const char *key, int64_t value) {
    out += '"';
    out += key;
    out += "\":";
    out += std::to_string(value);
    out += ',';
  };
  out += '{';
  text("id", v.id);
  text("name", v.name);
  text("type", v.type);
  number("size", v.sizeGiB);
  number("iops", v.iops);
  text("availabilityZone", v.availabilityZone);
  text("backendStatus", v.status);
  out += v.encrypted ? "\"encrypted\":true," : "\"encrypted\":false,";
  text("service", v.service);
  text("createdAt", rfc3339(v.createdUnix));
  text("attachedInstanceID", v.attachedInstanceId);
  text("attachedDevice", v.attachedDevice);
  text("path", v.mountPath);
  out += "\"fields\":{";
  for (const auto &f : v.fields) {
    appendQuoted(out, f.first);
    out += ':';
    appendQuoted(out, f.second);
    out += ',';
  }
  if (out.back() == ',') out.pop_back();
  out += "}}";
}

std::string volumesArray(const std::vector<std::shared_ptr<const Volume>> &volumes) {
  std::string out = "[";
  out.reserve(volumes.size() * 384);
  for (const auto &v : volumes) {
    appendVolume(out, *v);
    out += ',';
  }
  if (out.back() == ',') out.pop_back();
  out += ']';
  return out;
}

Poco::JSON::Object::Ptr fromVolume(const Volume &v) {
  // One writer of the volume's fields; the object is read back from it, its
  // key order kept.
  std::string text;
  appendVolume(text, v);
  Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
  return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

Volume toVolume(const Poco::JSON::Object::Ptr &o) {
  // One reader of a volume's fields: the list decoder's.
  auto volumes = parseVolumes("[" + stringify(o) + "]");
  if (volumes.size() != 1) throw Error(ErrorKind::Invalid, "not a volume: " + stringify(o));
  return std::move(volumes.front());
}

namespace {

// Poco's parser driving Volume fields directly (Poco::JSON::Handler): the
// keys are those appendVolume writes, and toVolume reads.
class VolumeListHandler : public Poco::JSON::Handler {
public:
  std::vector<Volume> volumes;

  void reset() override { volumes.clear(); }
  void startArray() override {
    if (_depth != 0) fail("a nested array");
    ++_depth;
  }
  void endArray() override { --_depth; }
  void startObject() override {
    if (++_depth == 2) volumes.emplace_back();
    if (_depth == 3 && _key != "fields") fail("an object in " + _key);
    if (_depth > 3) fail("an object in fields");
  }
  void endObject() override { --_depth; }
  void key(const std::string &k) override { _key = k; }
  void null() override {}
  void value(int v) override { number(v); }
  void value(unsigned v) override { number(v); }
  void value(Poco::Int64 v) override { number(v); }
  void value(Poco::UInt64 v) override { number(static_cast<int64_t>(v)); }
  void value(double v) override { number(static_cast<int64_t>(v)); }
  void value(bool b) override {
    if (_depth == 2 && _key == "encrypted") current().encrypted = b;
  }
  void value(const std::string &s) override {
    if (_depth == 3) {
      current().fields.emplace_back(_key, s);
      return;
    }
    if (_depth != 2) fail("a bare string");
    Volume &v = current();
    if (_key == "id")
      v.id = s;
    else if (_key == "name")
      v.name = s;
    else if (_key == "type")
      v.type = s;
    else if (_key == "availabilityZone")
      v.availabilityZone = s;
    else if (_key == "backendStatus")
      v.status = s;
    else if (_key == "service")
      v.service = s;
    else if (_key == "createdAt")
      v.createdUnix = parseRfc3339(s);
    else if (_key == "attachedInstanceID")
      v.attachedInstanceId = s;
    else if (_key == "attachedDevice")
      v.attachedDevice = s;
    else if (_key == "path")
      v.mountPath = s;
  }

private:
  Volume &current() {
    if (volumes.empty()) fail("a value outside a volume");
    return volumes.back();
  }
  void number(int64_t n) {
    if (_depth != 2) return;
    if (_key == "size")
      current().sizeGiB = n;
    else if (_key == "iops")
      current().iops = n;
  }
  [[noreturn]] static void fail(const std::string &what) {
    throw Error(ErrorKind::Invalid, "a volume list holds " + what);
  }

  int _depth = 0;
  std::string _key;
};

} // namespace

std::vector<Volume> parseVolumes(const std::string &text) {
  Poco::SharedPtr<VolumeListHandler> handler = new VolumeListHandler;
  // A volume takes ~330 bytes of the text: room for all of them up front
  // spares moving 10,000 volumes through each doubling of the vector.
  handler->volumes.reserve(text.size() / 256);
  Poco::JSON::Parser parser(handler);
  try {
    parser.parse(text);
  } catch (const Poco::Exception &e) {
    throw Error(ErrorKind::Invalid, "a volume list is not valid JSON: " + e.displayText());
  }
  return std::move(handler->volumes);
}

Poco::JSON::Object::Ptr fromSnapshot(const Snapshot &s) {
  auto o = orderedObject();
  o->set("id", s.id);
  o->set("name", s.name);
  o->set("volumeID", s.volumeId);
  o->set("volumeSize", s.sizeGiB);
  o->set("startTime", rfc3339(s.startTimeUnix));
  o->set("description", s.description);
  o->set("status", s.status);
  o->set("service", s.service);
  return o;
}

Snapshot toSnapshot(const Poco::JSON::Object::Ptr &o) {
  Snapshot s;
  s.id = str(o, "id");
  s.name = str(o, "name");
  s.volumeId = str(o, "volumeID");
  s.sizeGiB = num(o, "volumeSize");
  s.startTimeUnix = parseRfc3339(str(o, "startTime"));
  s.description = str(o, "description");
  s.status = str(o, "status");
  s.service = str(o, "service");
  return s;
}

Poco::JSON::Object::Ptr fromCreateSpec(const CreateSpec &spec) {
  auto o = orderedObject();
  o->set("name", spec.name);
  if (spec.sizeGiB) o->set("size", *spec.sizeGiB);
  if (spec.iops) o->set("iops", *spec.iops);
  o->set("type", spec.type);
  o->set("availabilityZone", spec.availabilityZone);
  o->set("encrypted", spec.encrypted);
  o->set("encryptionKey", spec.encryptionKey);
  o->set("fromSnapshot", spec.fromSnapshot);
  o->set("fromVolume", spec.fromVolume);
  o->set("newFsType", spec.newFsType);
  o->set("overwriteFs", spec.overwriteFs);
  auto options = orderedObject();
  for (const auto &[key, value] : spec.driverOptions) options->set(key, value);
  o->set("driverOptions", options);
  return o;
}

CreateSpec toCreateSpec(const Poco::JSON::Object::Ptr &o) {
  CreateSpec spec;
  spec.name = str(o, "name");
  if (o->has("size")) spec.sizeGiB = num(o, "size");
  if (o->has("iops")) spec.iops = num(o, "iops");
  spec.type = str(o, "type");
  spec.availabilityZone = str(o, "availabilityZone");
  spec.encrypted = flag(o, "encrypted");
  spec.encryptionKey = str(o, "encryptionKey");
  spec.fromSnapshot = str(o, "fromSnapshot");
  spec.fromVolume = str(o, "fromVolume");
  spec.newFsType = str(o, "newFsType");
  spec.overwriteFs = flag(o, "overwriteFs");
  if (auto options = o->getObject("driverOptions"))
    for (const auto &key : options->getNames())
      spec.driverOptions[key] = options->getValue<std::string>(key);
  return spec;
}

Poco::JSON::Object::Ptr parseObject(const std::string &body) {
  if (body.empty()) return new Poco::JSON::Object;
  try {
    Poco::JSON::Parser parser;
    auto result = parser.parse(body);
    if (result.type() != typeid(Poco::JSON::Object::Ptr))
      throw Error(ErrorKind::Invalid, "the request body must be a JSON object");
    return result.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception &e) {
    // Poco cannot parse a bare scalar ("5", "null") and says so obscurely.
    const size_t first = body.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && body[first] != '{' && body[first] != '[')
      throw Error(ErrorKind::Invalid, "the request body must be a JSON object");
    throw Error(ErrorKind::Invalid, "the request body is not valid JSON: " + e.displayText());
  }
}

std::string stringify(const Poco::JSON::Object::Ptr &object) {
  std::ostringstream out;
  object->stringify(out);
  return out.str();
}

} // namespace rexray::json
