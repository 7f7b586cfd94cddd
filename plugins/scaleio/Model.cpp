#include "Model.h"

#include <rexray/sdk/driver.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

namespace rexray::scaleio {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using JsonObject = Poco::JSON::Object;

[[noreturn]] void malformed(const std::string &what, const std::string &why) {
  throw sdk::Error(RXR_E_BACKEND, "the gateway sent a malformed " + what + ": " + why);
}

Var parse(const std::string &body, const std::string &what) {
  try {
    Poco::JSON::Parser parser;
    return parser.parse(body);
  } catch (const Poco::Exception &e) {
    malformed(what, e.displayText());
  }
}

JsonObject::Ptr asObject(const Var &v, const std::string &what) {
  if (v.type() != typeid(JsonObject::Ptr)) malformed(what, "not a JSON object");
  auto o = v.extract<JsonObject::Ptr>();
  if (!o) malformed(what, "null");
  return o;
}

Array::Ptr asArray(const Var &v, const std::string &what) {
  if (v.type() != typeid(Array::Ptr)) malformed(what, "not a JSON array");
  auto a = v.extract<Array::Ptr>();
  if (!a) malformed(what, "null");
  return a;
}

// A string member; "" when absent or null (the gateway sends null names).
std::string text(const JsonObject &o, const std::string &key) {
  if (!o.has(key) || o.isNull(key)) return {};
  try {
    return o.get(key).convert<std::string>();
  } catch (const Poco::Exception &) {
    return {};
  }
}

int64_t number(const JsonObject &o, const std::string &key, const std::string &what) {
  if (!o.has(key) || o.isNull(key)) return 0;
  try {
    return o.get(key).convert<Poco::Int64>();
  } catch (const Poco::Exception &e) {
    malformed(what, key + ": " + e.displayText());
  }
}

void fill(Object &out, const JsonObject &o, const std::string &what) {
  out.id = text(o, "id");
  if (out.id.empty()) malformed(what, "no id");
  out.name = text(o, "name");
  if (!o.has("links") || o.isNull("links")) return;
  auto links = asArray(o.get("links"), what + " links");
  for (size_t i = 0; i < links->size(); ++i) {
    auto l = asObject(links->get(i), what + " link");
    out.links.push_back({text(*l, "rel"), text(*l, "href")});
  }
}

template <typename T, typename F>
std::vector<T> each(const std::string &body, const std::string &what, F &&one) {
  auto array = asArray(parse(body, what + " list"), what + " list");
  std::vector<T> out;
  out.reserve(array->size());
  for (size_t i = 0; i < array->size(); ++i) out.push_back(one(*asObject(array->get(i), what)));
  return out;
}

Volume volumeFrom(const JsonObject &o) {
  Volume v;
  fill(v, o, "volume");
  v.sizeKb = number(o, "sizeInKb", "volume");
  v.storagePoolId = text(o, "storagePoolId");
  v.volumeType = text(o, "volumeType");
  v.ancestorVolumeId = text(o, "ancestorVolumeId");
  v.creationTime = number(o, "creationTime", "volume");
  if (o.has("mappedSdcInfo") && !o.isNull("mappedSdcInfo")) {
    auto maps = asArray(o.get("mappedSdcInfo"), "volume mappedSdcInfo");
    for (size_t i = 0; i < maps->size(); ++i) {
      auto m = asObject(maps->get(i), "volume mapping");
      v.mappings.push_back({text(*m, "sdcId"), number(*m, "limitIops", "volume mapping")});
    }
  }
  return v;
}

} // namespace

std::optional<std::string> Object::link(const std::string &rel) const {
  for (const auto &l : links)
    if (l.rel == rel && !l.href.empty()) return l.href;
  return std::nullopt;
}

std::optional<ApiError> parseApiError(const std::string &body) {
  try {
    Poco::JSON::Parser parser;
    Var v = parser.parse(body);
    if (v.type() != typeid(JsonObject::Ptr)) return std::nullopt;
    auto o = v.extract<JsonObject::Ptr>();
    if (!o || !o->has("message")) return std::nullopt;
    ApiError e;
    e.message = text(*o, "message");
    e.httpStatusCode = static_cast<int>(number(*o, "httpStatusCode", "error"));
    e.errorCode = static_cast<int>(number(*o, "errorCode", "error"));
    return e;
  } catch (const std::exception &) {
    return std::nullopt;
  }
}

std::vector<Object> parseObjects(const std::string &body, const std::string &what) {
  return each<Object>(body, what, [&](const JsonObject &o) {
    Object out;
    fill(out, o, what);
    return out;
  });
}

std::vector<StoragePool> parseStoragePools(const std::string &body) {
  return each<StoragePool>(body, "storage pool", [](const JsonObject &o) {
    StoragePool p;
    fill(p, o, "storage pool");
    p.protectionDomainId = text(o, "protectionDomainId");
    return p;
  });
}

std::vector<Sdc> parseSdcs(const std::string &body) {
  return each<Sdc>(body, "SDC", [](const JsonObject &o) {
    Sdc s;
    fill(s, o, "SDC");
    s.guid = text(o, "sdcGuid");
    return s;
  });
}

Volume parseVolume(const std::string &body) {
  return volumeFrom(*asObject(parse(body, "volume"), "volume"));
}

std::vector<Volume> parseVolumes(const std::string &body) {
  return each<Volume>(body, "volume", volumeFrom);
}

std::string parseString(const std::string &body, const std::string &what) {
  std::string trimmed = body;
  while (!trimmed.empty() && isspace(static_cast<unsigned char>(trimmed.back())))
    trimmed.pop_back();
  while (!trimmed.empty() && isspace(static_cast<unsigned char>(trimmed.front())))
    trimmed.erase(trimmed.begin());
  if (trimmed.empty()) malformed(what, "an empty body");
  if (trimmed.front() != '"') return trimmed;
  // Poco's parser refuses a bare string at the top level, so it is read here.
  if (trimmed.size() < 2 || trimmed.back() != '"') malformed(what, "an unterminated string");
  std::string out;
  for (size_t i = 1; i + 1 < trimmed.size(); ++i) {
    char c = trimmed[i];
    if (c == '"') malformed(what, "more than one string");
    if (c == '\\') {
      if (i + 2 >= trimmed.size()) malformed(what, "a dangling escape");
      c = trimmed[++i];
      if (c != '"' && c != '\\' && c != '/') malformed(what, "an escape it does not expect");
    }
    out += c;
  }
  return out;
}

std::string parseCreatedId(const std::string &body) {
  auto o = asObject(parse(body, "create reply"), "create reply");
  std::string id = text(*o, "id");
  if (id.empty()) malformed("create reply", "no id");
  return id;
}

std::vector<std::string> parseSnapshotIds(const std::string &body) {
  auto o = asObject(parse(body, "snapshot reply"), "snapshot reply");
  if (!o->has("volumeIdList")) malformed("snapshot reply", "no volumeIdList");
  auto ids = asArray(o->get("volumeIdList"), "snapshot reply volumeIdList");
  std::vector<std::string> out;
  for (size_t i = 0; i < ids->size(); ++i) out.push_back(ids->get(i).convert<std::string>());
  if (out.empty()) malformed("snapshot reply", "an empty volumeIdList");
  return out;
}

std::string jsonObject(const std::vector<std::pair<std::string, std::string>> &fields) {
  JsonObject o(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto &[k, v] : fields) o.set(k, v);
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

std::string snapshotRequest(const std::string &volumeId, const std::string &snapshotName) {
  JsonObject def(Poco::JSON_PRESERVE_KEY_ORDER);
  def.set("volumeId", volumeId);
  def.set("snapshotName", snapshotName);
  Array defs;
  defs.add(def);
  JsonObject o;
  o.set("snapshotDefs", defs);
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

} // namespace rexray::scaleio
