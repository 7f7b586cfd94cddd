#include "config/Config.h"

#include "config/KeySpelling.h"
#include "config/ValueTypes.h"
#include "util/Names.h"

#include <fmt/format.h>

#include <algorithm>

namespace rexray {
namespace {

bool sameKey(const std::string &a, const std::string &b) {
  return toLower(a) == toLower(b);
}

// `<service>.driver` names the service's plugin; it is core's key in every
// driver's section.
bool isDriverChoice(const std::string &key) {
  return sameKey(key, "driver");
}

} // namespace

const PluginConfigKey *DriverSections::declared(const std::string &key) const {
  for (const auto &k : keys) {
    if (sameKey(k.key, key)) return &k;
    for (const auto &alias : k.aliases)
      if (sameKey(alias, key)) return &k;
  }
  return nullptr;
}

std::vector<std::string> DriverSections::spellings(const std::string &key) const {
  const PluginConfigKey *d = declared(key);
  if (!d) return {key};
  std::vector<std::string> out = {d->key};
  out.insert(out.end(), d->aliases.begin(), d->aliases.end());
  return out;
}

std::optional<Config::Value> Config::sectionValue(const std::string &section,
                                                  const std::string &key) const {
  const std::string full = section + "." + key;
  if (auto it = _sectionFlags.find(flagForm(full)); it != _sectionFlags.end()) return it->second;
  if (auto it = _envAll.find(envName(full)); it != _envAll.end()) {
    Value v;
    v.text = it->second.second;
    v.origin = "env " + it->second.first;
    return v;
  }
  if (auto it = _sectionFile.find(toLower(full)); it != _sectionFile.end()) return it->second;
  return std::nullopt;
}

// Name-first: the most specific section that sets the key wins. So
// `ebs-west: {region: ...}` in a file beats an EBS_REGION in the environment,
// and a stray AWS_REGION (set for the AWS CLI) never overrides `ebs.region`.
// Within a section the declared spelling beats an alias, whatever the layer.
std::optional<Config::Value> Config::driverLookup(const DriverSections &driver,
                                                  const std::string &key) const {
  const auto names = driver.spellings(key);
  for (const auto &section : driver.names)
    for (const auto &spelling : names)
      if (auto v = sectionValue(section, spelling)) return v;
  return std::nullopt;
}

std::optional<std::string> Config::driverValue(const DriverSections &driver,
                                               const std::string &key) const {
  auto v = driverLookup(driver, key);
  if (!v) return std::nullopt;
  return v->text;
}

std::vector<std::string> Config::checkDriverSections(const DriverSections &driver) const {
  if (driver.keys.empty()) return {};
  auto owns = [&](const std::string &section) {
    return std::any_of(driver.names.begin(), driver.names.end(),
                       [&](const std::string &n) { return sameKey(n, section); });
  };
  auto check = [](const PluginConfigKey &d, const Value &v, const std::string &label) {
    checkValue(fromDeclared(d.type), v.text, v.items, v.isList, label);
  };

  // File values, their warnings in file order.
  std::vector<const Value *> unknown;
  for (const auto &[key, v] : _sectionFile) {
    const auto dot = key.find('.');
    const std::string rest = key.substr(dot + 1);
    if (!owns(key.substr(0, dot)) || isDriverChoice(rest)) continue;
    if (const PluginConfigKey *d = driver.declared(rest))
      check(*d, v, v.origin + ": " + v.written);
    else
      unknown.push_back(&v);
  }
  std::sort(unknown.begin(), unknown.end(),
            [](const Value *a, const Value *b) { return a->order < b->order; });
  std::vector<std::string> warnings;
  for (const Value *v : unknown)
    warnings.push_back(fmt::format("{}: unknown configuration key '{}'", v->origin, v->written));

  // Environment variables can only be found by the names they would have.
  for (const auto &section : driver.names)
    for (const auto &d : driver.keys)
      for (const auto &spelling : driver.spellings(d.key))
        if (auto it = _envAll.find(envName(section + "." + spelling)); it != _envAll.end()) {
          Value v;
          v.text = it->second.second;
          check(d, v, "environment variable " + it->second.first);
        }

  // Flags are kept by flag form: a section's flag is its form plus a key's.
  for (const auto &[form, v] : _sectionFlags) {
    bool mine = false, known = false;
    for (const auto &section : driver.names) {
      const std::string prefix = flagForm(section);
      if (form.size() <= prefix.size() || !startsWith(form, prefix)) continue;
      mine = true;
      const std::string rest = form.substr(prefix.size());
      if (rest == "driver") known = true;
      for (const auto &d : driver.keys)
        for (const auto &spelling : driver.spellings(d.key))
          if (flagForm(spelling) == rest) {
            check(d, v, v.origin);
            known = true;
          }
    }
    if (mine && !known) warnings.push_back(fmt::format("{}: unknown configuration key", v.origin));
  }
  return warnings;
}

} // namespace rexray
