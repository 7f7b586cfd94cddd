#pragma once

#include "CommandLine.h"
#include "Targets.h"
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
//
// Field names are the control API's (JsonCodec) and are listed in
// docs/cli.md; a list is always a JSON array, `[]` when empty. With -q a
// list prints its IDs one per line and an action prints nothing.
class Output {
public:
  Output(std::ostream &out, const Invocation &inv, std::string instanceId = "")
      : _out(out), _format(inv.format), _quiet(inv.quiet), _instanceId(std::move(instanceId)) {}

  void volumes(const std::vector<Volume> &volumes, bool withPath);
  void volume(const Volume &volume);
  // `volume map`: attached volumes and their devices.
  void volumeMap(const std::vector<Volume> &volumes);
  // `volume attach`: the device in a table, the volume otherwise.
  void attachment(const Volume &volume);
  // What a --dryRun would do.
  void plan(const std::vector<PlannedAction> &actions);
  void snapshots(const std::vector<Snapshot> &snapshots);
  void snapshot(const Snapshot &snapshot);
  void plugins(const std::vector<PluginInfo> &plugins);
  void plugin(const PluginInfo &plugin);
  // A bare string (a path) in table form; {"key": value} otherwise.
  void value(const std::string &key, const std::string &value);
  // An object: "key: value" lines in a table, the object otherwise.
  void record(const Poco::JSON::Object::Ptr &object);
  // JSON or YAML of any value, and REX-Ray's aligned table (for callers
  // whose records have no method here).
  void structured(const Poco::Dynamic::Var &value);
  void grid(const std::vector<std::string> &headers,
            const std::vector<std::vector<std::string>> &rows);
  bool isTable() const { return _format == "table"; }
  bool quiet() const { return _quiet; }

  // attached (here) / available / unavailable (attached elsewhere).
  std::string status(const Volume &volume) const;

private:
  Poco::JSON::Object::Ptr toJson(const Volume &v) const;
  Poco::JSON::Object::Ptr toJson(const Snapshot &s) const;
  Poco::JSON::Object::Ptr toJson(const PluginInfo &p) const;

  std::ostream &_out;
  std::string _format;
  bool _quiet;
  std::string _instanceId;
};

} // namespace rexray::cli
