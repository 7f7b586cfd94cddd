#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rexray::cli {

struct OptionSpec {
  std::vector<std::string> names; // first is canonical, e.g. {"volumeID", "volumeid"}
  bool takesValue = true;
  std::string help;
  char shortName = 0;
  bool repeatable = false; // every occurrence is kept (Invocation::all)
};

struct Invocation;

struct CommandSpec {
  std::vector<std::string> path;    // {"volume", "create"}
  std::vector<std::string> aliases; // for the last word: {"new", "c", "n"}
  std::string arguments;            // usage text for positionals: "NAME"
  std::string summary;
  std::vector<OptionSpec> options;
  std::function<int(Invocation &)> run;
};

// The parsed command line. Option values are keyed by the canonical name.
struct Invocation {
  const CommandSpec *command = nullptr;
  std::vector<std::string> args;
  std::map<std::string, std::string> options;
  std::map<std::string, std::vector<std::string>> repeated; // repeatable options, in order
  // Global ones.
  std::vector<std::string> configFiles;
  std::map<std::string, std::string> configFlags; // config key -> value
  std::string format = "table";
  std::string service;
  // --timeout: how long the whole command may take (nullopt: the default).
  std::optional<std::chrono::milliseconds> timeout;
  bool help = false;

  bool has(const std::string &name) const { return options.count(name) > 0; }
  std::string get(const std::string &name, const std::string &fallback = "") const;
  bool flag(const std::string &name) const; // "--force" or "--force=true"
  // Every value of a repeatable option, in the order given.
  std::vector<std::string> all(const std::string &name) const;
};

// Parsing by hand: Poco::Util::OptionSet has no subcommands and no
// positional arguments, and REX-Ray's CLI is a tree of both.
class CommandLine {
public:
  void add(CommandSpec spec);
  // Throws rexray::Error(Invalid) with a message naming the bad word.
  Invocation parse(const std::vector<std::string> &argv) const;
  std::string help(const CommandSpec *command) const; // nullptr = top level
  std::string groupHelp(const std::string &group) const;
  const std::vector<CommandSpec> &commands() const { return _commands; }

private:
  const CommandSpec *findCommand(const std::vector<std::string> &words, size_t &consumed) const;
  std::vector<CommandSpec> _commands;
};

// Options every command accepts.
const std::vector<OptionSpec> &globalOptions();

} // namespace rexray::cli
