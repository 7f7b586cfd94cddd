#include "api/JsonCodec.h"

#include "util/Error.h"

#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>

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

Poco::JSON::Object::Ptr fromVolume(const Volume &v) {
  auto o = orderedObject();
  o->set("id", v.id);
  o->set("name", v.name);
  o->set("type", v.type);
  o->set("size", v.sizeGiB);
  o->set("iops", v.iops);
  o->set("availabilityZone", v.availabilityZone);
  o->set("backendStatus", v.status);
  o->set("encrypted", v.encrypted);
  o->set("service", v.service);
  o->set("createdAt", rfc3339(v.createdUnix));
  o->set("attachedInstanceID", v.attachedInstanceId);
  o->set("attachedDevice", v.attachedDevice);
  o->set("path", v.mountPath);
  auto fields = orderedObject();
  for (const auto &f : v.fields) fields->set(f.first, f.second);
  o->set("fields", fields);
  return o;
}

Volume toVolume(const Poco::JSON::Object::Ptr &o) {
  Volume v;
  v.id = str(o, "id");
  v.name = str(o, "name");
  v.type = str(o, "type");
  v.sizeGiB = num(o, "size");
  v.iops = num(o, "iops");
  v.availabilityZone = str(o, "availabilityZone");
  v.status = str(o, "backendStatus");
  v.encrypted = flag(o, "encrypted");
  v.service = str(o, "service");
  v.createdUnix = parseRfc3339(str(o, "createdAt"));
  v.attachedInstanceId = str(o, "attachedInstanceID");
  v.attachedDevice = str(o, "attachedDevice");
  v.mountPath = str(o, "path");
  if (auto fields = o->getObject("fields"))
    for (const auto &key : fields->getNames())
      v.fields.emplace_back(key, fields->getValue<std::string>(key));
  return v;
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
