// Create options as `docker volume create --opt`, dvdcli and the CLI give
// them: parseCreateOptions, then declaredDriverOptions against a plugin that
// declares one option of each type. The input is text: the first line is
// the volume name, every further line one KEY=VALUE option (a line without
// '=' is a bare option, `-o encrypted`).
#include "util/Error.h"
#include "volume/CreateOptions.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace {

rexray::PluginInfo fuzzPlugin() {
  rexray::PluginInfo plugin;
  plugin.name = "fuzz";
  plugin.createOptions = {{"throughput", RXR_TYPE_INT, ""},
                          {"thin", RXR_TYPE_BOOL, ""},
                          {"settle", RXR_TYPE_DURATION, ""},
                          {"kmsKeyID", RXR_TYPE_STRING, ""},
                          {"tags", RXR_TYPE_LIST, ""}};
  return plugin;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const rexray::PluginInfo plugin = fuzzPlugin();
  const std::string text(reinterpret_cast<const char *>(data), size);
  size_t at = text.find('\n');
  const std::string name = text.substr(0, at);
  std::map<std::string, std::string> options;
  while (at != std::string::npos) {
    const size_t next = text.find('\n', at + 1);
    const std::string line = text.substr(at + 1, next == std::string::npos ? next : next - at - 1);
    const size_t eq = line.find('=');
    options[line.substr(0, eq)] = eq == std::string::npos ? "" : line.substr(eq + 1);
    at = next;
  }
  try {
    const rexray::CreateSpec spec = rexray::parseCreateOptions(name, options);
    rexray::declaredDriverOptions("fuzz", plugin, spec.driverOptions);
  } catch (const rexray::Error &) {
    // A bad option is an answer, not a failure.
  }
  return 0;
}
