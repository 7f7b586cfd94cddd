#pragma once

#include "util/Error.h"

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

// One row of the command table. The table drives parsing, --help, the man
// page and the shell completions (CommandDocs.cpp), so a command exists in
// all of them or in none.
struct CommandSpec {
  std::vector<std::string> path;    // {"volume", "create"}
  std::vector<std::string> aliases; // for the last word: {"new", "c", "n"}
  std::string arguments;            // usage text for positionals: "NAME"
  std::string summary;
  std::vector<OptionSpec> options;
  std::function<int(Invocation &)> run;
  bool hidden = false; // left out of --help, the man page and completions
};

// Exit codes (docs/cli.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,     // the operation failed
  kExitUsage = 2,      // the command line is wrong
  kExitNotRunning = 3, // `status`: the daemon is not running (LSB)
};

// A command line that cannot be run as written: exit code 2.
class UsageError : public Error {
public:
  explicit UsageError(const std::string &message) : Error(ErrorKind::Invalid, message) {}
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
  bool quiet = false; // -q: IDs only, or nothing
  std::string service;
  // --timeout: how long the whole command may take (nullopt: the default).
  std::optional<std::chrono::milliseconds> timeout;
  bool help = false;
  bool version = false; // --version

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
  // Every command of every registered set (see CommandRegistration).
  static CommandLine registered();
  void add(CommandSpec spec);
  // Throws rexray::Error(Invalid) with a message naming the bad word.
  Invocation parse(const std::vector<std::string> &argv) const;
  std::string help(const CommandSpec *command) const; // nullptr = top level
  std::string groupHelp(const std::string &group) const;
  const std::vector<CommandSpec> &commands() const { return _commands; }
  // The groups ("volume", "snapshot", ...): first words with subcommands.
  std::vector<std::string> groups() const;
  // For words that name no command: what is wrong, with the nearest
  // command when one is close ("unknown command 'volum'; did you mean 'volume'?").
  std::string unknownCommand(const std::vector<std::string> &words) const;

private:
  const CommandSpec *findCommand(const std::vector<std::string> &words, size_t &consumed) const;
  std::vector<CommandSpec> _commands;
};

// Options every command accepts.
const std::vector<OptionSpec> &globalOptions();

// The candidate nearest to `word` by edit distance, when close enough to be
// a typo of it.
std::optional<std::string> nearest(const std::string &word,
                                   const std::vector<std::string> &candidates);

// Registers a set of commands with the table in one line at namespace scope
// of the file that defines them:
//
//   static const CommandRegistration kInstallCommands(addInstallCommands);
//
// where `void addInstallCommands(CommandLine &cli)` calls cli.add() per
// command. No other file changes: parsing, --help, the man page and the
// completions all pick the commands up.
class CommandRegistration {
public:
  using Adder = void (*)(CommandLine &);
  explicit CommandRegistration(Adder add);
};

} // namespace rexray::cli
