#include "CommandLine.h"

#include "config/Config.h"
#include "config/ValueParsers.h"
#include "util/Error.h"
#include "util/Names.h"

#include <fmt/format.h>

#include <algorithm>

namespace rexray::cli {
namespace {

bool matchesName(const OptionSpec &o, const std::string &name) {
  const std::string lowered = toLower(name);
  return std::any_of(o.names.begin(), o.names.end(),
                     [&](const std::string &n) { return toLower(n) == lowered; });
}

bool isTrue(const std::string &v) {
  const std::string l = toLower(v);
  return l.empty() || l == "true" || l == "1" || l == "yes" || l == "on";
}

std::string optionUsage(const OptionSpec &o) {
  std::string s = o.shortName ? fmt::format("-{}, --{}", o.shortName, o.names.front())
                              : "    --" + o.names.front();
  if (o.takesValue) s += " VALUE";
  return s;
}

} // namespace

const std::vector<OptionSpec> &globalOptions() {
  static const std::vector<OptionSpec> options = {
      {{"config"}, true, "read this configuration file too (after /etc/rexray/config.yml)", 'c'},
      {{"logLevel"}, true, "log level: debug, info, warn, error", 'l'},
      {{"format"}, true, "output format: table, json or yaml (default table)", 'o'},
      {{"quiet"}, false, "print only IDs (lists) or nothing (actions)", 'q'},
      {{"logFormat"}, true, "log lines as text (default) or json", 0},
      {{"service"}, true, "the service to act on (default: the first configured)", 's'},
      {{"timeout"},
       true,
       "how long the command may take, e.g. 30s or 5m (default 2m); the daemon stops at the same "
       "moment",
       0},
      {{"help"}, false, "show help for the command", 'h'},
      {{"version"}, false, "print the version (as 'rexray version')", 0},
  };
  return options;
}

namespace {

std::vector<CommandRegistration::Adder> &registrations() {
  static std::vector<CommandRegistration::Adder> adders;
  return adders;
}

// Optimal string alignment distance: a transposition ("volmue") is one edit.
size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

} // namespace

CommandRegistration::CommandRegistration(Adder add) {
  registrations().push_back(add);
}

CommandLine CommandLine::registered() {
  CommandLine cli;
  for (const auto add : registrations()) add(cli);
  // Registration order follows link order: sort, so that help reads the same
  // whatever the build did.
  std::stable_sort(cli._commands.begin(), cli._commands.end(),
                   [](const CommandSpec &a, const CommandSpec &b) { return a.path < b.path; });
  return cli;
}

std::optional<std::string> nearest(const std::string &word,
                                   const std::vector<std::string> &candidates) {
  std::optional<std::string> best;
  size_t bestDistance = 0;
  const std::string lowered = toLower(word);
  for (const auto &c : candidates) {
    const size_t d = editDistance(lowered, toLower(c));
    if (!best || d < bestDistance) best = c, bestDistance = d;
  }
  // Close enough to be a typo: two edits, or a third of a long word.
  if (best && bestDistance <= std::max<size_t>(2, word.size() / 3) && bestDistance < word.size())
    return best;
  return std::nullopt;
}

std::string Invocation::get(const std::string &name, const std::string &fallback) const {
  auto it = options.find(name);
  return it == options.end() ? fallback : it->second;
}

bool Invocation::flag(const std::string &name) const {
  auto it = options.find(name);
  return it != options.end() && isTrue(it->second);
}

std::vector<std::string> Invocation::all(const std::string &name) const {
  auto it = repeated.find(name);
  return it == repeated.end() ? std::vector<std::string>{} : it->second;
}

void CommandLine::add(CommandSpec spec) {
  _commands.push_back(std::move(spec));
}

const CommandSpec *CommandLine::findCommand(const std::vector<std::string> &words,
                                            size_t &consumed) const {
  for (const auto &c : _commands) {
    if (words.size() < c.path.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < c.path.size() && ok; ++i) {
      const bool last = i + 1 == c.path.size();
      ok = words[i] == c.path[i] ||
           (last && std::find(c.aliases.begin(), c.aliases.end(), words[i]) != c.aliases.end());
    }
    if (ok) {
      consumed = c.path.size();
      return &c;
    }
  }
  return nullptr;
}

Invocation CommandLine::parse(const std::vector<std::string> &argv) const {
  Invocation inv;
  // Split words (command path + positionals) from options first, so options
  // may come anywhere.
  std::vector<std::string> words;
  struct Raw {
    std::string name;
    std::optional<std::string> value;
    bool isShort;
  };
  std::vector<Raw> raws;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string &a = argv[i];
    if (a == "--") {
      words.insert(words.end(), argv.begin() + static_cast<long>(i) + 1, argv.end());
      break;
    }
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      auto eq = a.find('=');
      if (eq == std::string::npos)
        raws.push_back({a.substr(2), std::nullopt, false});
      else
        raws.push_back({a.substr(2, eq - 2), a.substr(eq + 1), false});
    } else if (a.size() == 2 && a[0] == '-' && a[1] != '-') {
      raws.push_back({a.substr(1), std::nullopt, true});
    } else {
      words.push_back(a);
      continue;
    }
    // Whether an option takes a value is decided before the command is
    // known, so an option name has the same arity in every command.
    bool takesValue = false, isOption = false;
    const std::string &n = raws.back().name;
    auto check = [&](const std::vector<OptionSpec> &specs) {
      for (const auto &o : specs)
        if ((raws.back().isShort && n.size() == 1 && o.shortName == n[0]) ||
            (!raws.back().isShort && matchesName(o, n))) {
          takesValue = takesValue || o.takesValue;
          isOption = true;
        }
    };
    check(globalOptions());
    for (const auto &c : _commands) check(c.options);
    // Config flags take a value; a flag that is nobody's may still be a
    // driver's setting (its section is known only once the config loads).
    bool configFlag = false;
    if (!raws.back().isShort && !isOption)
      configFlag = Config::keyForFlag(n) || (Config::isDriverFlag(n) && i + 1 < argv.size());
    takesValue = takesValue || configFlag;
    if (takesValue && !raws.back().value) {
      if (i + 1 >= argv.size()) throw UsageError("flag " + a + " needs a value");
      raws.back().value = argv[++i];
    }
  }

  size_t consumed = 0;
  inv.command = findCommand(words, consumed);
  if (!inv.command) {
    inv.args = words;
  } else {
    inv.args.assign(words.begin() + static_cast<long>(consumed), words.end());
  }

  for (const auto &r : raws) {
    const auto matches = [&](const OptionSpec &o) {
      return r.isShort ? (r.name.size() == 1 && o.shortName == r.name[0]) : matchesName(o, r.name);
    };
    const std::string shown = (r.isShort ? "-" : "--") + r.name;
    const OptionSpec *spec = nullptr;
    if (inv.command)
      for (const auto &o : inv.command->options)
        if (!spec && matches(o)) spec = &o;
    bool global = false;
    if (!spec)
      for (const auto &o : globalOptions())
        if (!spec && matches(o)) spec = &o, global = true;
    if (!spec) {
      auto key = r.isShort ? std::nullopt : Config::keyForFlag(r.name);
      if (!key && !r.isShort && r.value && Config::isDriverFlag(r.name)) key = r.name;
      if (!key) {
        std::vector<std::string> known;
        for (const auto &o : globalOptions()) known.push_back(o.names.front());
        if (inv.command)
          for (const auto &o : inv.command->options) known.push_back(o.names.front());
        const auto guess = r.isShort ? std::nullopt : nearest(r.name, known);
        throw UsageError(
            "unknown flag " + shown +
            (inv.command
                 ? " for 'rexray " + fmt::format("{}", fmt::join(inv.command->path, " ")) + "'"
                 : "") +
            (guess ? "; did you mean --" + *guess + "?" : "; see --help"));
      }
      inv.configFlags[*key] = r.value.value_or("true");
      continue;
    }
    const std::string value = r.value.value_or(spec->takesValue ? "" : "true");
    if (!global) {
      inv.options[spec->names.front()] = value;
      if (spec->repeatable) inv.repeated[spec->names.front()].push_back(value);
      continue;
    }
    const std::string &name = spec->names.front();
    if (name == "config")
      inv.configFiles.push_back(value);
    else if (name == "logLevel")
      inv.configFlags["rexray.logLevel"] = value;
    else if (name == "format")
      inv.format = toLower(value);
    else if (name == "quiet")
      inv.quiet = isTrue(value);
    else if (name == "logFormat")
      inv.configFlags["rexray.logFormat"] = value;
    else if (name == "version")
      inv.version = true;
    else if (name == "service")
      inv.service = value;
    else if (name == "timeout") {
      const auto ms = parseDurationMs(value);
      if (!ms || *ms <= 0)
        throw UsageError("--timeout: '" + value +
                         "' is not a positive duration (e.g. 30s, 500ms, 5m)");
      inv.timeout = std::chrono::milliseconds(*ms);
    } else if (name == "help")
      inv.help = true;
  }
  if (inv.format == "yml") inv.format = "yaml";
  if (inv.format != "table" && inv.format != "json" && inv.format != "yaml")
    throw UsageError("unknown output format '" + inv.format + "' (use table, json or yaml)");
  return inv;
}

std::string CommandLine::help(const CommandSpec *c) const {
  std::string out;
  if (!c) {
    out += "rexray: storage orchestration for containers\n\nUsage: rexray COMMAND [ARGS] "
           "[FLAGS]\n\nCommands:\n";
    for (const auto &cmd : _commands)
      if (!cmd.hidden)
        out +=
            fmt::format("  {:<24} {}\n", fmt::format("{}", fmt::join(cmd.path, " ")), cmd.summary);
    out += "\nRun 'rexray COMMAND --help' for a command's flags; 'man rexray' for exit codes.\n";
  } else {
    out += fmt::format("Usage: rexray {} {}[FLAGS]\n\n{}\n", fmt::join(c->path, " "),
                       c->arguments.empty() ? "" : c->arguments + " ", c->summary);
    if (!c->aliases.empty()) out += fmt::format("\nAliases: {}\n", fmt::join(c->aliases, ", "));
    if (!c->options.empty()) {
      out += "\nFlags:\n";
      for (const auto &o : c->options) out += fmt::format("  {:<34} {}\n", optionUsage(o), o.help);
    }
  }
  out += "\nGlobal flags:\n";
  for (const auto &o : globalOptions()) out += fmt::format("  {:<34} {}\n", optionUsage(o), o.help);
  out += "  Any configuration key as a flag, e.g. --volumeMountPreempt true, --vfsRoot DIR\n";
  return out;
}

std::string CommandLine::groupHelp(const std::string &group) const {
  std::string out = fmt::format("Usage: rexray {} COMMAND [ARGS] [FLAGS]\n\nCommands:\n", group);
  for (const auto &cmd : _commands)
    if (!cmd.hidden && cmd.path.size() > 1 && cmd.path.front() == group)
      out += fmt::format("  {:<24} {}\n", fmt::format("{}", fmt::join(cmd.path, " ")), cmd.summary);
  return out;
}

std::vector<std::string> CommandLine::groups() const {
  std::vector<std::string> out;
  for (const auto &cmd : _commands)
    if (cmd.path.size() > 1 && std::find(out.begin(), out.end(), cmd.path.front()) == out.end())
      out.push_back(cmd.path.front());
  return out;
}

std::string CommandLine::unknownCommand(const std::vector<std::string> &words) const {
  // The first word that no command continues with is the wrong one.
  std::vector<std::string> prefix;
  for (const auto &word : words) {
    std::vector<std::string> next; // the words that may follow `prefix`
    for (const auto &cmd : _commands) {
      if (cmd.hidden || cmd.path.size() <= prefix.size() ||
          !std::equal(prefix.begin(), prefix.end(), cmd.path.begin()))
        continue;
      next.push_back(cmd.path[prefix.size()]);
      if (cmd.path.size() == prefix.size() + 1)
        next.insert(next.end(), cmd.aliases.begin(), cmd.aliases.end());
    }
    if (std::find(next.begin(), next.end(), word) == next.end()) {
      const std::string shown =
          prefix.empty() ? word : fmt::format("{} {}", fmt::join(prefix, " "), word);
      std::string message = "unknown command '" + shown + "'";
      if (auto guess = nearest(word, next)) {
        const std::string fixed =
            prefix.empty() ? *guess : fmt::format("{} {}", fmt::join(prefix, " "), *guess);
        message += "; did you mean '" + fixed + "'?";
      } else {
        message += ".";
      }
      return message + " See 'rexray " +
             (prefix.empty() ? "" : fmt::format("{} ", fmt::join(prefix, " "))) + "--help'.";
    }
    prefix.push_back(word);
  }
  return "unknown command '" + fmt::format("{}", fmt::join(words, " ")) + "'; see 'rexray --help'";
}

} // namespace rexray::cli
