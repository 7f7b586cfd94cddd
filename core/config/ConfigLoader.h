#pragma once

#include "config/Config.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace YAML {
class Node;
}

namespace rexray {

// Fills a Config from its sources: YAML files into entries with their
// file:line, core keys validated into the file, env and flag layers, and the
// rest kept raw as driver-section values. Internal to Config::load.
class ConfigLoader {
public:
  explicit ConfigLoader(Config &cfg) : _cfg(cfg) {}
  void run(const Config::Source &source);

  // A file value before classification: one leaf of the YAML tree.
  struct Entry {
    std::string file;
    int line = 0;
    std::string path; // dotted, as written
    enum Kind { Scalar, Sequence, Null } kind = Null;
    std::string text;
    std::vector<std::string> items;
  };
  using FlagList = std::vector<std::pair<std::string, std::string>>;
  using Value = Config::Value;

private:
  void readFile(const std::string &path, bool required, std::vector<Entry> &out);
  void unreadable(const std::string &path, bool required, const std::string &why);
  void walk(const YAML::Node &map, const std::string &prefix, const std::string &file,
            std::vector<Entry> &out);
  void loadEnv();
  // Stores flags for core keys; returns the rest (driver settings).
  FlagList loadFlags(const std::map<std::string, std::string> &flags);
  void loadSections(const std::vector<Entry> &entries);
  void loadDriverFlags(const FlagList &flags, const std::vector<std::string> &sections);
  // Lower-cased names that may hold driver settings, known at load.
  std::vector<std::string> sectionsInPlay(const Config::Source &source,
                                          const std::vector<Entry> &entries,
                                          const FlagList &flags) const;
  std::optional<std::string> serviceDriver(const std::string &service,
                                           const std::vector<Entry> &entries,
                                           const FlagList &flags) const;

  Config &_cfg;
};

} // namespace rexray
