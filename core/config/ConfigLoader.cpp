#include "config/ConfigLoader.h"

#include "config/CoreKeys.h"
#include "config/KeySpelling.h"
#include "config/ValueParsers.h"
#include "util/Error.h"
#include "util/Names.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace rexray {
namespace {

using Entry = ConfigLoader::Entry;
using Value = ConfigLoader::Value;

std::string sectionOf(const std::string &scoped) {
  return scoped.substr(0, scoped.find('.'));
}

std::string joined(const std::vector<std::string> &items) {
  std::string out;
  for (const auto &item : items) out += (out.empty() ? "" : " ") + item;
  return out;
}

std::string unknownKey(const Entry &e) {
  return fmt::format("{}:{}: unknown configuration key '{}'", e.file, e.line, e.path);
}

// Validates a core key's value (`label` names it for the user), applies an
// inverted alias and stores it in `layer`.
void store(std::map<std::string, Value> &layer, const CoreKey &info, bool inverted, Value v,
           const std::string &label) {
  if (inverted) {
    checkValue(ValueType::Bool, v.text, {}, false, label);
    v.text = *parseBool(v.text) ? "false" : "true";
  }
  checkValue(info.type, v.text, v.items, v.isList && !isListType(info.type), label, true);
  layer[toLower(info.key)] = std::move(v);
}

// A core value given as text (env, flag, YAML scalar): lists split at blanks.
Value textValue(const CoreKey &info, const std::string &text, const std::string &origin) {
  Value v;
  v.origin = origin;
  v.text = text;
  if (isListType(info.type)) {
    v.isList = true;
    v.items = parseList(text);
    v.text = joined(v.items);
  }
  return v;
}

Value entryValue(const Entry &e, size_t order = 0) {
  Value v;
  v.origin = fmt::format("{}:{}", e.file, e.line);
  v.written = e.path;
  v.order = order;
  v.text = e.text;
  v.isList = e.kind == Entry::Sequence;
  v.items = e.items;
  return v;
}

} // namespace

void ConfigLoader::run(const Config::Source &source) {
  // Names differing only in case collapse; the upper-case spelling wins.
  for (const auto &[name, value] : source.env) {
    auto &slot = _cfg._envAll[upperCase(name)];
    if (slot.first.empty() || name == upperCase(name)) slot = {name, value};
  }

  std::vector<Entry> entries;
  for (const auto &f : source.files) readFile(f, false, entries);
  for (const auto &f : source.requiredFiles) readFile(f, true, entries);

  for (const auto &e : entries) {
    const ResolvedKey r = resolveKey(e.path);
    if (r.kind != ResolvedKey::Core || e.kind == Entry::Null) continue;
    Value v = entryValue(e);
    if (!v.isList && isListType(r.info->type)) v = textValue(*r.info, e.text, v.origin);
    store(_cfg._file, *r.info, r.inverted, std::move(v),
          fmt::format("{}:{}: {}", e.file, e.line, e.path));
  }
  loadEnv();
  const FlagList driverFlags = loadFlags(source.flags);
  loadSections(entries);
  loadDriverFlags(driverFlags, sectionsInPlay(source, entries, driverFlags));
}

void ConfigLoader::readFile(const std::string &path, bool required, std::vector<Entry> &out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      if (required) throw Error(ErrorKind::Config, fmt::format("config file '{}' not found", path));
      return;
    }
    unreadable(path, required, std::strerror(errno));
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    unreadable(path, required, "is a directory");
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    unreadable(path, required, std::strerror(errno));
    return;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(buf.str());
  } catch (const YAML::Exception &e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    throw Error(ErrorKind::Config, fmt::format("{}:{}: {}", path, line, e.msg));
  }
  _cfg._filesRead.push_back(path);
  if (root.IsNull()) return;
  if (!root.IsMap())
    throw Error(ErrorKind::Config,
                fmt::format("{}:{}: expected a map of configuration keys at the top level", path,
                            root.Mark().line + 1));
  walk(root, "", path, out);
}

// An optional file (the default search path) that exists but cannot be read
// is skipped with a warning: /etc/rexray/config.yml is often root-only
// because it holds credentials, and `rexray version` should still work.
void ConfigLoader::unreadable(const std::string &path, bool required, const std::string &why) {
  if (required)
    throw Error(ErrorKind::Config, fmt::format("cannot read config file '{}': {}", path, why));
  _cfg._warnings.push_back(fmt::format("cannot read config file '{}': {}; skipped", path, why));
}

void ConfigLoader::walk(const YAML::Node &map, const std::string &prefix, const std::string &file,
                        std::vector<Entry> &out) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node k = it->first; // it-> yields a temporary
    const YAML::Node v = it->second;
    const int line = k.Mark().line + 1;
    if (!k.IsScalar())
      throw Error(ErrorKind::Config,
                  fmt::format("{}:{}: configuration keys must be plain strings", file, line));
    const std::string path = prefix.empty() ? k.Scalar() : prefix + "." + k.Scalar();
    const ResolvedKey r = resolveKey(path);
    const bool core = r.kind == ResolvedKey::Core;
    if (r.kind == ResolvedKey::Ignored && !(v.IsMap() && hasCoreKeysUnder(toLower(path)))) {
      // Kept (as a Null entry) only to warn about it in line order.
      if (r.warnIgnored) out.push_back(Entry{file, line, path, Entry::Null, {}, {}});
      continue;
    }
    if (v.IsMap()) {
      if (core)
        throw Error(ErrorKind::Config, fmt::format("{}:{}: {}: expected {}, got a map", file, line,
                                                   path, describe(r.info->type)));
      walk(v, path, file, out);
      continue;
    }
    Entry e{file, line, path, Entry::Null, {}, {}};
    if (v.IsSequence()) {
      if (core && !isListType(r.info->type))
        throw Error(ErrorKind::Config, fmt::format("{}:{}: {}: expected {}, got a list", file, line,
                                                   path, describe(r.info->type)));
      e.kind = Entry::Sequence;
      for (const auto &item : v) {
        if (item.IsNull()) continue;
        if (!item.IsScalar()) {
          if (core)
            throw Error(ErrorKind::Config,
                        fmt::format("{}:{}: {}: expected {}, got a nested structure", file,
                                    item.Mark().line + 1, path, describe(r.info->type)));
          YAML::Emitter em;
          em << YAML::Flow << item;
          e.items.push_back(em.c_str());
          continue;
        }
        e.items.push_back(item.Scalar());
      }
      e.text = joined(e.items);
    } else if (v.IsScalar()) {
      e.kind = Entry::Scalar;
      e.text = v.Scalar();
    }
    out.push_back(std::move(e));
  }
}

void ConfigLoader::loadEnv() {
  // Variables the process itself reads rather than the configuration.
  std::set<std::string> known = {"REXRAY_HOME", "REXRAY_READY_FD"};
  for (const auto &info : coreKeys()) {
    for (const auto &[name, inverted] : coreEnvNames(info)) {
      known.insert(name);
      auto it = _cfg._envAll.find(name);
      if (it == _cfg._envAll.end()) continue;
      const auto &[given, value] = it->second;
      store(_cfg._env, info, inverted, textValue(info, value, "env " + given),
            "environment variable " + given);
      break;
    }
  }
  // REX-Ray's users set REXRAY_* variables from its many versions' docs: one
  // this rebuild does not read is said, never silently dropped.
  for (const auto &[upperName, given] : _cfg._envAll)
    if (startsWith(upperName, "REXRAY_") && !known.count(upperName))
      _cfg._warnings.push_back("environment variable " + given.first +
                               " is not a rexray setting and is ignored (rexray env --all lists "
                               "the settings)");
}

ConfigLoader::FlagList ConfigLoader::loadFlags(const std::map<std::string, std::string> &flags) {
  FlagList rest;
  // Aliases first so that a flag spelled canonically wins.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto &[rawName, value] : flags) {
      std::string name = rawName;
      while (!name.empty() && name[0] == '-') name.erase(0, 1);
      const auto key = Config::keyForFlag(name);
      const ResolvedKey r = resolveKey(key.value_or(name));
      if (r.kind == ResolvedKey::Ignored) continue;
      if (r.kind == ResolvedKey::Unknown) {
        if (pass == 0) rest.emplace_back(name, value);
        continue;
      }
      if (isCanonicalFlag(name, *r.info) != (pass == 1)) continue;
      const std::string label = "flag --" + flagLabel(name);
      store(_cfg._flags, *r.info, r.inverted, textValue(*r.info, value, label), label);
    }
  }
  return rest;
}

// One pass in file order so that warnings come out in line order. A key under
// one of core's namespaces is a typo; any other section may be a driver's,
// which only its plugin can judge, so it is kept with its origin.
void ConfigLoader::loadSections(const std::vector<Entry> &entries) {
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry &e = entries[i];
    const ResolvedKey r = resolveKey(e.path);
    if (r.kind == ResolvedKey::Ignored) {
      _cfg._warnings.push_back(fmt::format(
          "{}:{}: configuration key '{}' is not supported and is ignored", e.file, e.line, e.path));
      continue;
    }
    if (r.kind != ResolvedKey::Unknown) continue;
    const std::string section = sectionOf(r.scoped);
    if (r.scoped == section || isCoreNamespace(section)) {
      if (e.kind != Entry::Null) _cfg._warnings.push_back(unknownKey(e));
      continue;
    }
    if (e.kind != Entry::Null) _cfg._sectionFile[r.scoped] = entryValue(e, i);
  }
}

std::vector<std::string> ConfigLoader::sectionsInPlay(const Config::Source &source,
                                                      const std::vector<Entry> &entries,
                                                      const FlagList &flags) const {
  std::vector<std::string> names;
  auto add = [&names](const std::string &n) {
    const std::string l = toLower(n);
    if (!l.empty() && std::find(names.begin(), names.end(), l) == names.end()) names.push_back(l);
  };
  for (const auto &n : source.driverSections) add(n);
  for (const auto &[key, value] : _cfg._sectionFile) add(sectionOf(key));
  for (const auto &s : _cfg.services()) {
    add(s);
    // A service may name its driver (`<service>.driver: ebs`); that
    // driver's own section then holds settings too.
    if (auto d = serviceDriver(toLower(s), entries, flags)) add(*d);
  }
  return names;
}

void ConfigLoader::loadDriverFlags(const FlagList &flags,
                                   const std::vector<std::string> &sections) {
  for (const auto &[name, value] : flags) {
    const std::string form = flagForm(name);
    const bool inPlay = std::any_of(sections.begin(), sections.end(), [&](const std::string &s) {
      const std::string prefix = flagForm(s);
      return form.size() > prefix.size() && startsWith(form, prefix);
    });
    if (!inPlay || !Config::isDriverFlag(name))
      throw Error(ErrorKind::Config, fmt::format("unknown flag --{}", flagLabel(name)));
    Value v;
    v.origin = "flag --" + flagLabel(name);
    v.text = value;
    _cfg._sectionFlags[form] = std::move(v);
  }
}

// The driver `<service>.driver` names, flag > env > file, lower-cased.
std::optional<std::string> ConfigLoader::serviceDriver(const std::string &service,
                                                       const std::vector<Entry> &entries,
                                                       const FlagList &flags) const {
  const std::string key = service + ".driver";
  std::optional<std::string> found;
  for (const auto &[name, value] : flags)
    if (flagForm(name) == flagForm(key)) found = value;
  if (!found) {
    if (auto it = _cfg._envAll.find(envName(key)); it != _cfg._envAll.end())
      found = it->second.second;
  }
  if (!found) {
    for (const auto &e : entries)
      if (e.kind == Entry::Scalar && resolveKey(e.path).scoped == key) found = e.text;
  }
  if (!found || parseList(*found).empty()) return std::nullopt;
  return toLower(parseList(*found).front());
}

} // namespace rexray
