#include "CommandDocs.h"

#include "Commands.h"

#include <fmt/format.h>

#include <iostream>
#include <map>
#include <set>

namespace rexray::cli {
namespace {

// roff: a leading '.' or '\'' would be a request; '-' is a hyphen unless escaped.
std::string roff(const std::string &text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::string flagNames(const OptionSpec &o) {
  std::string s;
  if (o.shortName) s += fmt::format("\\fB\\-{}\\fR, ", o.shortName);
  s += "\\fB\\-\\-" + roff(o.names.front()) + "\\fR";
  if (o.takesValue) s += " \\fIVALUE\\fR";
  return s;
}

void manOptions(std::string &out, const std::vector<OptionSpec> &options) {
  for (const auto &o : options) {
    out += ".TP\n" + flagNames(o) + "\n" + roff(o.help) + "\n";
  }
}

// What completion needs: the words that may follow each command path typed
// so far, and the flags of each complete command (aliases spelled out).
struct CompletionModel {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>>
      next;                                              // path -> (word, summary)
  std::map<std::string, std::vector<std::string>> flags; // path -> flags
  std::vector<std::string> globalFlags;
  std::vector<std::string> valued; // flags that take a value
};

CompletionModel completionModel(const CommandLine &cli) {
  CompletionModel m;
  std::set<std::string> valued;
  auto flagsOf = [&valued](const std::vector<OptionSpec> &options) {
    std::vector<std::string> out;
    for (const auto &o : options) {
      out.push_back("--" + o.names.front());
      if (o.shortName) out.push_back(std::string("-") + o.shortName);
      if (o.takesValue) {
        valued.insert("--" + o.names.front());
        if (o.shortName) valued.insert(std::string("-") + o.shortName);
      }
    }
    return out;
  };
  m.globalFlags = flagsOf(globalOptions());
  for (const auto &cmd : cli.commands()) {
    if (cmd.hidden) continue;
    std::string prefix;
    for (size_t i = 0; i < cmd.path.size(); ++i) {
      auto &words = m.next[prefix];
      const bool last = i + 1 == cmd.path.size();
      const std::string summary = last ? cmd.summary : cmd.path[i] + " commands";
      auto add = [&](const std::string &w, const std::string &text) {
        for (const auto &[have, unused] : words)
          if (have == w) return;
        words.emplace_back(w, text);
      };
      add(cmd.path[i], summary);
      if (last)
        for (const auto &alias : cmd.aliases) add(alias, summary);
      prefix += (prefix.empty() ? "" : " ") + cmd.path[i];
    }
    std::vector<std::string> spellings = {fmt::format("{}", fmt::join(cmd.path, " "))};
    for (const auto &alias : cmd.aliases) {
      auto path = cmd.path;
      path.back() = alias;
      spellings.push_back(fmt::format("{}", fmt::join(path, " ")));
    }
    const auto flags = flagsOf(cmd.options);
    for (const auto &s : spellings) m.flags[s] = flags;
  }
  m.valued.assign(valued.begin(), valued.end());
  return m;
}

std::string words(const std::vector<std::string> &list) {
  return fmt::format("{}", fmt::join(list, " "));
}

// The fixed choices of some flags' values (and of `completion`'s argument).
const std::vector<std::pair<std::string, std::string>> kValueChoices = {
    {"--format", "table json yaml"}, {"-o", "table json yaml"},
    {"--logFormat", "text json"},    {"--logLevel", "debug info warn error"},
    {"-l", "debug info warn error"},
};

} // namespace

std::string manPage(const CommandLine &cli) {
  std::string out;
  out += fmt::format(".TH REXRAY 1 \"{}\" \"rexray {}\" \"User Commands\"\n", REXRAY_BUILD_DATE,
                     REXRAY_VERSION);
  out += ".SH NAME\nrexray \\- storage orchestration for containers\n";
  out += ".SH SYNOPSIS\n\\fBrexray\\fR \\fICOMMAND\\fR [\\fIARGS\\fR] [\\fIFLAGS\\fR]\n";
  out += ".SH DESCRIPTION\n"
         "rexray creates, attaches, formats and mounts volumes from storage backends (drivers "
         "loaded as plugins) for containers. \\fBrexray start\\fR runs the daemon that serves "
         "Docker's volume plugin protocol; the other commands act through that daemon when it "
         "runs, else in the command's own process.\n"
         ".PP\nA \\fIVOLUME\\fR argument is an exact ID, an exact name, or \\fI/regex/\\fR "
         "(matched against names and IDs); never part of a name.\n";
  out += ".SH COMMANDS\n";
  for (const auto &cmd : cli.commands()) {
    if (cmd.hidden) continue;
    out += ".TP\n\\fBrexray " + roff(fmt::format("{}", fmt::join(cmd.path, " "))) + "\\fR";
    if (!cmd.arguments.empty()) out += " \\fI" + roff(cmd.arguments) + "\\fR";
    out += "\n" + roff(cmd.summary) + ".";
    if (!cmd.aliases.empty())
      out += " Aliases: " + roff(fmt::format("{}", fmt::join(cmd.aliases, ", "))) + ".";
    out += "\n";
    if (!cmd.options.empty()) {
      out += ".RS\n";
      manOptions(out, cmd.options);
      out += ".RE\n";
    }
  }
  out += ".SH GLOBAL FLAGS\n";
  manOptions(out, globalOptions());
  out += ".PP\nAny configuration key is also a flag (\\fB\\-\\-volumeMountPreempt true\\fR) and an "
         "environment variable (\\fBVOLUME_MOUNT_PREEMPT=true\\fR); "
         "\\fBrexray env \\-\\-all\\fR lists them with their defaults.\n";
  out += ".SH OUTPUT\n"
         "\\fB\\-\\-format table\\fR (the default) prints REX-Ray's tables; \\fBjson\\fR and "
         "\\fByaml\\fR print the same records with the control API's field names (a list is "
         "always an array, \\fB[]\\fR when empty). \\fB\\-q\\fR prints only IDs. The fields are "
         "listed in docs/cli.md.\n";
  out += ".SH EXIT STATUS\n"
         ".TP\n\\fB0\\fR\nSuccess.\n"
         ".TP\n\\fB1\\fR\nThe operation failed (for several volumes: at least one failed).\n"
         ".TP\n\\fB2\\fR\nUsage error: an unknown command or flag, a missing argument.\n"
         ".TP\n\\fB3\\fR\n\\fBrexray status\\fR: the daemon is not running.\n";
  out += ".SH ENVIRONMENT\n"
         ".TP\n\\fBREXRAY_HOME\\fR\nA prefix for every directory rexray uses.\n"
         ".TP\n\\fBREXRAY_LOGLEVEL\\fR, \\fBREXRAY_DEBUG\\fR\nThe log level; REXRAY_DEBUG=true "
         "means debug.\n"
         ".TP\n\\fBREXRAY_LOGFORMAT\\fR\ntext or json.\n"
         ".TP\n\\fBREXRAY_FSTYPE\\fR, \\fBREXRAY_PREEMPT\\fR\nThe default file system and "
         "preemption, as REX-Ray's managed plugins read them.\n";
  out += ".SH FILES\n"
         ".TP\n/etc/rexray/config.yml, ~/.rexray/config.yml\nConfiguration.\n"
         ".TP\n/var/run/rexray/rexray.sock\nThe control API; also GET /metrics, /healthz and "
         "/readyz.\n"
         ".TP\n/run/docker/plugins/rexray.sock\nDocker's volume plugin socket.\n";
  out += ".SH SEE ALSO\n\\fBdocker\\-volume\\fR(1)\n";
  return out;
}

std::string bashCompletion(const CommandLine &cli) {
  const CompletionModel m = completionModel(cli);
  std::string out =
      "# bash completion for rexray (generated by `rexray completion bash`)\n"
      "_rexray() {\n"
      "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
      "  local valued=\" " +
      words(m.valued) +
      " \"\n"
      "  local path=\"\" i w skip=0\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    w=\"${COMP_WORDS[i]}\"\n"
      "    if ((skip)); then skip=0; continue; fi\n"
      "    if [[ $w == -* ]]; then [[ $valued == *\" $w \"* && $w != *=* ]] && "
      "skip=1; continue; fi\n"
      "    path=\"${path:+$path }$w\"\n"
      "  done\n"
      "  case \"$prev\" in\n";
  for (const auto &[flag, choices] : kValueChoices)
    out +=
        "    " + flag + ") COMPREPLY=($(compgen -W \"" + choices + "\" -- \"$cur\")); return ;;\n";
  out += "  esac\n"
         "  if [[ $valued == *\" $prev \"* ]]; then COMPREPLY=($(compgen -f -- \"$cur\")); return; "
         "fi\n"
         "  local next=\"\" flags=\"" +
         words(m.globalFlags) +
         "\"\n"
         "  case \"$path\" in\n";
  for (const auto &[path, list] : m.next) {
    std::vector<std::string> w;
    for (const auto &entry : list) w.push_back(entry.first);
    out += "    \"" + path + "\") next=\"" + words(w) + "\" ;;\n";
  }
  out += "  esac\n  case \"$path\" in\n";
  for (const auto &[path, list] : m.flags)
    out += "    \"" + path + "\") flags=\"$flags " + words(list) + "\" ;;\n";
  out += "    \"completion\") next=\"bash zsh\" ;;\n";
  out += "  esac\n"
         "  if [[ $cur == -* ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
         "  else\n"
         "    COMPREPLY=($(compgen -W \"$next\" -- \"$cur\"))\n"
         "  fi\n"
         "}\n"
         "complete -F _rexray rexray\n";
  return out;
}

std::string zshCompletion(const CommandLine &cli) {
  const CompletionModel m = completionModel(cli);
  auto quote = [](const std::string &s) {
    std::string out = "'";
    for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  };
  std::string out = "#compdef rexray\n"
                    "# zsh completion for rexray (generated by `rexray completion zsh`)\n"
                    "_rexray() {\n"
                    "  local valued=' " +
                    words(m.valued) +
                    " '\n"
                    "  local -a typed\n"
                    "  local i w skip=0\n"
                    "  for ((i = 2; i < CURRENT; i++)); do\n"
                    "    w=${words[i]}\n"
                    "    if ((skip)); then skip=0; continue; fi\n"
                    "    if [[ $w == -* ]]; then [[ $valued == *\" $w \"* ]] && skip=1; continue; "
                    "fi\n"
                    "    typed+=($w)\n"
                    "  done\n"
                    "  local p=\"${(j: :)typed}\" prev=${words[CURRENT-1]}\n"
                    "  case $prev in\n";
  for (const auto &[flag, choices] : kValueChoices)
    out += "    (" + flag + ") compadd -- " + choices + "; return ;;\n";
  out += "  esac\n"
         "  if [[ $valued == *\" $prev \"* ]]; then _files; return; fi\n"
         "  local -a next flags\n"
         "  flags=(" +
         words(m.globalFlags) +
         ")\n"
         "  case $p in\n";
  for (const auto &[path, list] : m.next) {
    out += "    (" + quote(path) + ") next=(";
    for (const auto &[word, summary] : list) out += " " + quote(word + ":" + summary);
    out += " ) ;;\n";
  }
  out += "    (completion) next=(bash zsh) ;;\n  esac\n  case $p in\n";
  for (const auto &[path, list] : m.flags)
    out += "    (" + quote(path) + ") flags+=(" + words(list) + ") ;;\n";
  out += "  esac\n"
         "  if [[ ${words[CURRENT]} == -* ]]; then\n"
         "    compadd -- $flags\n"
         "  elif (( ${#next} )); then\n"
         "    _describe 'command' next\n"
         "  fi\n"
         "}\n"
         "_rexray \"$@\"\n";
  return out;
}

namespace {

int completion(Invocation &inv) {
  if (inv.args.size() != 1 || (inv.args[0] != "bash" && inv.args[0] != "zsh"))
    throw UsageError("usage: rexray completion bash|zsh");
  const CommandLine cli = CommandLine::registered();
  std::cout << (inv.args[0] == "bash" ? bashCompletion(cli) : zshCompletion(cli));
  return kExitOk;
}

int man(Invocation &) {
  std::cout << manPage(CommandLine::registered());
  return kExitOk;
}

void addDocCommands(CommandLine &cli) {
  cli.add({{"completion"},
           {},
           "bash|zsh",
           "Print the shell completion script, e.g. source <(rexray completion bash)",
           {},
           completion});
  cli.add({{"__man"}, {}, "", "Print the man page (roff)", {}, man, true});
}

} // namespace

static const CommandRegistration kDocCommands(addDocCommands);

} // namespace rexray::cli
