#include "config/Config.h"

#include "config/ConfigLoader.h"
#include "config/CoreKeys.h"
#include "config/ValueParsers.h"
#include "util/Error.h"
#include "util/Names.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

extern char **environ;

namespace rexray {
namespace {

// The typed getters' one way of reading: the parsed value, or Error(Config)
// naming where the text came from.
template <typename T, typename Parse>
T parsed(const std::optional<std::string> &text, const std::string &label, ValueType type,
         Parse parse, T fallback) {
  if (!text) return fallback;
  auto v = parse(*text);
  if (!v)
    throw Error(ErrorKind::Config,
                fmt::format("{}: expected {}, got '{}'", label, describe(type), *text));
  return *v;
}

} // namespace

std::vector<std::string> Config::defaultFiles(const std::string &etcDir) {
  std::vector<std::string> files = {etcDir + "/config.yml", etcDir + "/config.yaml"};
  const char *home = std::getenv("HOME");
  if (home && *home) {
    files.push_back(std::string(home) + "/.rexray/config.yml");
    files.push_back(std::string(home) + "/.rexray/config.yaml");
  }
  return files;
}

std::map<std::string, std::string> Config::processEnvironment() {
  std::map<std::string, std::string> env;
  for (char **e = environ; e && *e; ++e) {
    const char *eq = std::strchr(*e, '=');
    if (!eq) continue;
    env.emplace(std::string(*e, static_cast<size_t>(eq - *e)), std::string(eq + 1));
  }
  return env;
}

Config Config::load(const Source &source) {
  Config cfg;
  ConfigLoader(cfg).run(source);
  return cfg;
}

const Config::Value *Config::find(const std::string &canonicalLowerKey) const {
  for (const auto *layer : {&_flags, &_env, &_file}) {
    auto it = layer->find(canonicalLowerKey);
    if (it != layer->end()) return &it->second;
  }
  return nullptr;
}

std::optional<Config::Value> Config::lookup(const std::string &key, std::string *label) const {
  const ResolvedKey r = resolveKey(key);
  if (r.kind == ResolvedKey::Ignored) return std::nullopt;
  std::optional<Value> v;
  if (r.kind == ResolvedKey::Unknown) {
    const auto dot = r.scoped.find('.');
    if (dot != std::string::npos)
      v = sectionValue(r.scoped.substr(0, dot), r.scoped.substr(dot + 1));
  } else if (const Value *found = find(toLower(r.info->key))) {
    v = *found;
    // Stored values were validated, so a canonical boolean always parses.
    if (r.inverted) v->text = parseBool(v->text).value_or(false) ? "false" : "true";
  }
  if (v && label) *label = v->origin + ": " + key;
  return v;
}

std::optional<std::string> Config::string(const std::string &key) const {
  auto v = lookup(key, nullptr);
  if (!v) return std::nullopt;
  return v->text;
}

std::string Config::string(const std::string &key, const std::string &fallback) const {
  return string(key).value_or(fallback);
}

bool Config::boolean(const std::string &key, bool fallback) const {
  std::string label;
  auto v = lookup(key, &label);
  return parsed(v ? std::optional(v->text) : std::nullopt, label, ValueType::Bool, parseBool,
                fallback);
}

int64_t Config::integer(const std::string &key, int64_t fallback) const {
  std::string label;
  auto v = lookup(key, &label);
  return parsed(v ? std::optional(v->text) : std::nullopt, label, ValueType::Int, parseInt,
                fallback);
}

std::vector<std::string> Config::list(const std::string &key) const {
  auto v = lookup(key, nullptr);
  if (!v) return {};
  if (v->isList) return v->items;
  return parseList(v->text);
}

int64_t Config::durationMs(const std::string &key, int64_t fallbackMs) const {
  std::string label;
  auto v = lookup(key, &label);
  return parsed(v ? std::optional(v->text) : std::nullopt, label, ValueType::Duration,
                parseDurationMs, fallbackMs);
}

uint32_t Config::fileMode(const std::string &key, uint32_t fallback) const {
  std::string label;
  auto v = lookup(key, &label);
  return parsed(v ? std::optional(v->text) : std::nullopt, label, ValueType::Mode, parseFileMode,
                fallback);
}

std::vector<std::string> Config::services() const {
  std::vector<std::string> out;
  if (const Value *v = find("rexray.storagedrivers")) {
    const auto items = v->isList ? v->items : parseList(v->text);
    for (const auto &s : items)
      if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  if (out.empty()) out.push_back("vfs");
  return out;
}

std::optional<std::string> Config::keyForFlag(const std::string &flag) {
  std::string name = flag;
  while (!name.empty() && name[0] == '-') name.erase(0, 1);
  return coreKeyForFlag(name);
}

bool Config::isDriverFlag(const std::string &flag) {
  std::string name = flag;
  while (!name.empty() && name[0] == '-') name.erase(0, 1);
  // A driver flag is a section name and a key: the names' own rule.
  return isValidName(name);
}

} // namespace rexray
