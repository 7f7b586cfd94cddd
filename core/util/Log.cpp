#include "util/Log.h"

#include "util/Error.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FileChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <Poco/String.h>

#include <atomic>
#include <iostream>
#include <mutex>

namespace rexray::log {
namespace {

std::atomic<Level> currentLevel{Level::Warn};

Poco::Logger &logger() {
  return Poco::Logger::get("rexray");
}

void useChannel(Poco::Channel *inner) {
  Poco::AutoPtr<Poco::PatternFormatter> pattern(
      new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %p [%P] %t"));
  Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(pattern, inner));
  logger().setChannel(channel);
  logger().setLevel(Poco::Message::PRIO_DEBUG);
}

struct DefaultChannel {
  DefaultChannel() { useChannel(new Poco::ConsoleChannel(std::cerr)); }
};

void ensureChannel() {
  static DefaultChannel once;
}

} // namespace

Level parseLevel(const std::string &name) {
  const std::string n = Poco::toLower(name);
  if (n == "debug") return Level::Debug;
  if (n == "info") return Level::Info;
  if (n == "warn" || n == "warning") return Level::Warn;
  if (n == "error" || n == "fatal" || n == "panic") return Level::Error;
  throw Error(ErrorKind::Invalid,
              "unknown log level '" + name + "' (use debug, info, warn, error, fatal or panic)");
}

void setLevel(Level level) {
  currentLevel = level;
}
Level level() {
  return currentLevel;
}
bool enabled(Level level) {
  return level >= currentLevel.load();
}

void setFile(const std::string &path) {
  ensureChannel();
  if (path.empty()) {
    useChannel(new Poco::ConsoleChannel(std::cerr));
    return;
  }
  auto *file = new Poco::FileChannel(path);
  file->setProperty("rotation", "10 M");
  file->setProperty("archive", "number");
  file->setProperty("purgeCount", "5");
  useChannel(file);
}

void write(Level level, const std::string &message) {
  ensureChannel();
  switch (level) {
  case Level::Debug: logger().debug(message); break;
  case Level::Info: logger().information(message); break;
  case Level::Warn: logger().warning(message); break;
  case Level::Error: logger().error(message); break;
  }
}

} // namespace rexray::log
