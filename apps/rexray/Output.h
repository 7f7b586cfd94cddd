#pragma once

#include "plugin/PluginLoader.h"
#include "volume/Types.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <ostream>
#include <string>
#include <vector>

namespace rexray::cli {

// Renders results as REX-Ray's table, or as JSON or YAML with the same
// fields. One function per kind of result.
class Output {
public:
  Output(std::ostream &out, std::string format, std::string instanceId = "")
      : _out(out), _format(std::move(format)), _instanceId(std::move(instanceId)) {}

  void volumes(const std::vector<Volume> &volumes, bool withPath);
  void volume(const Volume &volume);
  void snapshots(const std::vector<Snapshot> &snapshots);
  void snapshot(const Snapshot &snapshot);
  void plugins(const std::vector<PluginInfo> &plugins);
  void plugin(const PluginInfo &plugin);
  // A bare string (a path) in table form; {"key": value} otherwise.
  void value(const std::string &key, const std::string &value);

  // attached (here) / available / unavailable (attached elsewhere).
  std::string status(const Volume &volume) const;

private:
  Poco::JSON::Object::Ptr toJson(const Volume &v) const;
  Poco::JSON::Object::Ptr toJson(const Snapshot &s) const;
  Poco::JSON::Object::Ptr toJson(const PluginInfo &p) const;
  void structured(const Poco::Dynamic::Var &value);

  std::ostream &_out;
  std::string _format;
  std::string _instanceId;
};

} // namespace rexray::cli
