#include "config/Config.h"

#include "config/CoreKeys.h"
#include "config/KeySpelling.h"
#include "util/Names.h"

#include <cctype>

namespace rexray {
namespace {

constexpr const char *kRedacted = "******";

// For sections no plugin describes: a name that looks like a credential.
// Core's own keys hold none.
bool looksSecret(const std::string &name) {
  std::string n;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)))
      n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char *w : {"password", "secret", "token", "accesskey"})
    if (n.find(w) != std::string::npos) return true;
  return false;
}

// Whether `section.key` must not be shown: what the plugin that owns the
// section declares, else the look of the name.
bool isSecret(const std::vector<DriverSections> &drivers, const std::string &section,
              const std::string &key) {
  for (const auto &d : drivers) {
    if (d.keys.empty()) continue;
    for (const auto &n : d.names)
      if (toLower(n) == toLower(section))
        if (const PluginConfigKey *k = d.declared(key)) return k->secret;
  }
  return looksSecret(section + key);
}

std::string shown(const std::string &value, bool secret) {
  return secret && !value.empty() ? kRedacted : value;
}

} // namespace

std::vector<std::string>
Config::environmentLines(const std::vector<DriverSections> &drivers) const {
  // Keyed by env-style name; layers applied file, env, flag so the effective
  // value is what remains.
  std::map<std::string, std::string> lines;
  auto put = [&](const std::string &section, const std::string &key, const std::string &value) {
    lines[envName(section + "." + key)] = shown(value, isSecret(drivers, section, key));
  };
  for (const auto &[k, v] : _sectionFile) {
    const auto dot = k.find('.');
    put(k.substr(0, dot), k.substr(dot + 1), v.text);
  }
  // Environment variables and flags of the drivers' sections, by the names
  // their keys give them: AWS_ACCESS_KEY_ID and friends belong to other
  // tools. A plugin that declares nothing owns everything under its prefix.
  std::vector<DriverSections> all = drivers;
  for (const auto &s : services()) {
    bool claimed = false;
    for (const auto &d : drivers)
      for (const auto &n : d.names) claimed = claimed || toLower(n) == toLower(s);
    if (!claimed) all.push_back(DriverSections{{s}, {}});
  }
  for (const auto &d : all) {
    for (const auto &section : d.names) {
      for (const auto &[upperName, nv] : _envAll) {
        const std::string prefix = envName(section) + "_";
        if (!startsWith(upperName, prefix)) continue;
        const std::string rest = upperName.substr(prefix.size());
        if (d.keys.empty() ? rest.empty() : !d.declared(rest) && rest != "DRIVER") continue;
        put(section, rest, nv.second);
      }
      for (const auto &k : d.keys) {
        for (const auto &spelling : d.spellings(k.key)) {
          auto it = _sectionFlags.find(flagForm(section + "." + spelling));
          if (it != _sectionFlags.end()) put(section, spelling, it->second.text);
        }
      }
    }
  }
  for (const auto &info : coreKeys())
    if (const Value *v = find(toLower(info.key))) lines[envName(info.key)] = v->text;

  std::vector<std::string> out;
  for (const auto &[name, value] : lines) out.push_back(name + "=" + value);
  return out;
}

std::vector<Config::Setting>
Config::settings(const std::vector<std::pair<std::string, DriverSections>> &services) const {
  std::vector<Setting> out;
  for (const auto &info : coreKeys()) {
    const Value *v = find(toLower(info.key));
    out.push_back({envName(info.key), v ? v->text : info.def, v ? v->origin : ""});
  }
  for (const auto &[service, driver] : services) {
    for (const auto &k : driver.keys) {
      const auto v = driverLookup(driver, k.key);
      const std::string value = v ? v->text : k.defaultValue.value_or("");
      out.push_back({envName(service + "." + k.key), shown(value, k.secret), v ? v->origin : ""});
    }
  }
  return out;
}

} // namespace rexray
