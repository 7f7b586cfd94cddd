#include "Output.h"

#include "api/JsonCodec.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace rexray::cli {
namespace {

void emitYaml(YAML::Emitter &e, const Poco::Dynamic::Var &v) {
  if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
    auto obj = v.extract<Poco::JSON::Object::Ptr>();
    e << YAML::BeginMap;
    for (const auto &key : obj->getNames()) {
      e << YAML::Key << key << YAML::Value;
      emitYaml(e, obj->get(key));
    }
    e << YAML::EndMap;
  } else if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
    auto arr = v.extract<Poco::JSON::Array::Ptr>();
    e << YAML::BeginSeq;
    for (size_t i = 0; i < arr->size(); ++i) emitYaml(e, arr->get(static_cast<unsigned>(i)));
    e << YAML::EndSeq;
  } else if (v.isEmpty()) {
    e << YAML::Null;
  } else if (v.isBoolean()) {
    e << v.convert<bool>();
  } else if (v.isInteger()) {
    e << v.convert<int64_t>();
  } else {
    e << v.convert<std::string>();
  }
}

std::string table(const std::vector<std::string> &headers,
                  const std::vector<std::vector<std::string>> &rows) {
  std::vector<size_t> widths(headers.size());
  for (size_t i = 0; i < headers.size(); ++i) widths[i] = headers[i].size();
  for (const auto &r : rows)
    for (size_t i = 0; i < r.size(); ++i) widths[i] = std::max(widths[i], r[i].size());
  std::string out;
  auto line = [&](const std::vector<std::string> &cells) {
    std::string l;
    for (size_t i = 0; i < cells.size(); ++i)
      l += i + 1 == cells.size() ? cells[i] : fmt::format("{:<{}}  ", cells[i], widths[i]);
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(headers);
  for (const auto &r : rows) line(r);
  return out;
}

} // namespace

std::string Output::status(const Volume &v) const {
  if (!v.attached()) return "available";
  return v.attachedInstanceId == _instanceId ? "attached" : "unavailable";
}

// The control API's fields, plus whether the volume is attached here.
Poco::JSON::Object::Ptr Output::toJson(const Volume &v) const {
  auto o = json::fromVolume(v);
  o->set("status", status(v));
  return o;
}

Poco::JSON::Object::Ptr Output::toJson(const Snapshot &s) const {
  return json::fromSnapshot(s);
}

Poco::JSON::Object::Ptr Output::toJson(const PluginInfo &p) const {
  auto o = json::orderedObject();
  o->set("name", p.name);
  o->set("id", p.id);
  o->set("version", p.version);
  o->set("vendor", p.vendor);
  o->set("description", p.description);
  o->set("features", fmt::format("{}", fmt::join(p.features, ",")));
  o->set("aliases", fmt::format("{}", fmt::join(p.aliases, ",")));
  o->set("abi", fmt::format("{}.{}", p.abiMajor, p.abiMinor));
  o->set("serialized", (p.flags & RXR_FLAG_SERIALIZE) != 0);
  o->set("path", p.path);
  o->set("status", p.refusal.empty() ? std::string("loaded") : "refused: " + p.refusal);
  o->set("operations", fmt::format("{}", fmt::join(p.operations, ",")));
  Poco::JSON::Array::Ptr keys = new Poco::JSON::Array;
  for (const auto &k : p.configKeys) {
    auto key = json::orderedObject();
    key->set("key", k.key);
    key->set("type", valueTypeName(k.type));
    key->set("default",
             k.defaultValue ? Poco::Dynamic::Var(*k.defaultValue) : Poco::Dynamic::Var());
    key->set("secret", k.secret);
    key->set("aliases", fmt::format("{}", fmt::join(k.aliases, ",")));
    key->set("description", k.description);
    keys->add(key);
  }
  o->set("configuration", keys);
  Poco::JSON::Array::Ptr options = new Poco::JSON::Array;
  for (const auto &opt : p.createOptions) {
    auto option = json::orderedObject();
    option->set("name", opt.name);
    option->set("type", valueTypeName(opt.type));
    option->set("description", opt.description);
    options->add(option);
  }
  o->set("createOptions", options);
  return o;
}

void Output::structured(const Poco::Dynamic::Var &value) {
  if (_format == "json") {
    if (value.type() == typeid(Poco::JSON::Object::Ptr))
      value.extract<Poco::JSON::Object::Ptr>()->stringify(_out, 2);
    else if (value.extract<Poco::JSON::Array::Ptr>()->size() == 0)
      _out << "[]"; // Poco would write "[\n\n]"
    else
      value.extract<Poco::JSON::Array::Ptr>()->stringify(_out, 2);
    _out << "\n";
  } else {
    YAML::Emitter e;
    emitYaml(e, value);
    _out << e.c_str() << "\n";
  }
}

void Output::volumes(const std::vector<Volume> &volumes, bool withPath) {
  if (_quiet) {
    for (const auto &v : volumes) _out << v.id << "\n";
    return;
  }
  if (_format != "table") {
    Poco::JSON::Array::Ptr arr = new Poco::JSON::Array;
    for (const auto &v : volumes) arr->add(toJson(v));
    structured(arr);
    return;
  }
  std::vector<std::string> headers = {"ID", "Name", "Status", "Size"};
  if (withPath) headers.push_back("Path");
  std::vector<std::vector<std::string>> rows;
  for (const auto &v : volumes) {
    rows.push_back({v.id, v.name, status(v), std::to_string(v.sizeGiB)});
    if (withPath) rows.back().push_back(v.mountPath);
  }
  _out << table(headers, rows);
}

void Output::volume(const Volume &v) {
  volumes({v}, !v.mountPath.empty());
}

void Output::snapshots(const std::vector<Snapshot> &snapshots) {
  if (_quiet) {
    for (const auto &snapshot : snapshots) _out << snapshot.id << "\n";
    return;
  }
  if (_format != "table") {
    Poco::JSON::Array::Ptr arr = new Poco::JSON::Array;
    for (const auto &s : snapshots) arr->add(toJson(s));
    structured(arr);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto &s : snapshots) rows.push_back({s.id, s.name, s.status, s.volumeId});
  _out << table({"ID", "Name", "Status", "VolumeID"}, rows);
}

void Output::snapshot(const Snapshot &s) {
  snapshots({s});
}

void Output::plugins(const std::vector<PluginInfo> &plugins) {
  if (_format != "table") {
    Poco::JSON::Array::Ptr arr = new Poco::JSON::Array;
    for (const auto &p : plugins) arr->add(toJson(p));
    structured(arr);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto &p : plugins)
    rows.push_back({p.name.empty() ? "-" : p.name, p.version.empty() ? "-" : p.version,
                    fmt::format("{}.{}", p.abiMajor, p.abiMinor), p.path,
                    p.refusal.empty() ? "loaded" : "refused: " + p.refusal});
  _out << table({"Name", "Version", "ABI", "Path", "Status"}, rows);
}

void Output::plugin(const PluginInfo &p) {
  if (_format != "table") {
    structured(toJson(p));
    return;
  }
  auto o = toJson(p);
  for (const auto &key : o->getNames()) {
    if (key == "configuration" || key == "createOptions") continue;
    _out << fmt::format("{:<12} {}\n", key + ":", o->get(key).convert<std::string>());
  }
  if (!p.configKeys.empty()) {
    _out << "\nconfiguration (section " << p.name << "):\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto &k : p.configKeys)
      rows.push_back(
          {k.key + (k.aliases.empty() ? "" : fmt::format(" ({})", fmt::join(k.aliases, ", "))),
           valueTypeName(k.type), k.secret ? "(secret)" : k.defaultValue.value_or("-"),
           k.description});
    _out << table({"Key", "Type", "Default", "Description"}, rows);
  }
  if (!p.createOptions.empty()) {
    _out << "\ncreate options:\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto &opt : p.createOptions)
      rows.push_back({opt.name, valueTypeName(opt.type), opt.description});
    _out << table({"Option", "Type", "Description"}, rows);
  }
}

void Output::volumeMap(const std::vector<Volume> &volumes) {
  if (_quiet || _format != "table") {
    this->volumes(volumes, true);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto &v : volumes) rows.push_back({v.id, v.name, v.attachedDevice, v.mountPath});
  _out << table({"ID", "Name", "Device", "Path"}, rows);
}

void Output::attachment(const Volume &v) {
  if (_quiet) return;
  if (_format == "table")
    _out << v.attachedDevice << "\n";
  else
    volume(v);
}

void Output::plan(const std::vector<PlannedAction> &actions) {
  if (_quiet) return;
  if (_format == "table") {
    for (const auto &a : actions)
      _out << "would " << a.action << " volume " << a.name << " (" << (a.id.empty() ? "new" : a.id)
           << ")\n";
    return;
  }
  Poco::JSON::Array::Ptr arr = new Poco::JSON::Array;
  for (const auto &a : actions) {
    auto o = json::orderedObject();
    o->set("action", a.action);
    o->set("id", a.id);
    o->set("name", a.name);
    arr->add(o);
  }
  structured(arr);
}

void Output::record(const Poco::JSON::Object::Ptr &object) {
  if (_quiet) return;
  if (_format != "table") {
    structured(object);
    return;
  }
  size_t width = 0;
  for (const auto &key : object->getNames()) width = std::max(width, key.size() + 1);
  for (const auto &key : object->getNames())
    _out << fmt::format("{:<{}} {}\n", key + ":", width, object->get(key).convert<std::string>());
}

void Output::grid(const std::vector<std::string> &headers,
                  const std::vector<std::vector<std::string>> &rows) {
  _out << table(headers, rows);
}

void Output::value(const std::string &key, const std::string &value) {
  if (_quiet) return;
  if (_format == "table") {
    if (!value.empty()) _out << value << "\n";
    return;
  }
  auto o = json::orderedObject();
  o->set(key, value);
  structured(o);
}

} // namespace rexray::cli
