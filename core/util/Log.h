#pragma once

#include <fmt/format.h>

#include <string>

namespace rexray::log {

enum class Level { Debug, Info, Warn, Error };
// text: "TIME LEVEL [PID] req=ID message"; json: one object per line with
// the fields time, level, pid, thread, requestID (when serving a request)
// and msg (docs/observability.md).
enum class Format { Text, Json };

// Parses REX-Ray's level names (panic fatal error warn warning info debug).
Level parseLevel(const std::string &name);
void setLevel(Level level);
// Parses "text" or "json" (any case).
Format parseFormat(const std::string &name);
void setFormat(Format format);
Level level();
bool enabled(Level level);
// Sends log lines to a file instead of stderr ("" = stderr again).
void setFile(const std::string &path);
void write(Level level, const std::string &message);

template <typename... Args> void debug(fmt::format_string<Args...> f, Args &&...args) {
  if (enabled(Level::Debug)) write(Level::Debug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args> void info(fmt::format_string<Args...> f, Args &&...args) {
  if (enabled(Level::Info)) write(Level::Info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args> void warn(fmt::format_string<Args...> f, Args &&...args) {
  if (enabled(Level::Warn)) write(Level::Warn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args> void error(fmt::format_string<Args...> f, Args &&...args) {
  if (enabled(Level::Error)) write(Level::Error, fmt::format(f, std::forward<Args>(args)...));
}

} // namespace rexray::log
