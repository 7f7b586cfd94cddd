#include "util/Log.h"

#include "api/JsonCodec.h"
#include "util/Error.h"
#include "util/RequestContext.h"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/FileChannel.h>
#include <Poco/Formatter.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <Poco/PatternFormatter.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

namespace rexray::log {
namespace {

// The message parameter that carries the request ID to the formatters.
const std::string kRequestId = "requestID";

std::atomic<Level> currentLevel{Level::Warn};
std::atomic<Format> currentFormat{Format::Text};

Poco::Logger &logger() {
  return Poco::Logger::get("rexray");
}

const char *levelName(Poco::Message::Priority priority) {
  switch (priority) {
  case Poco::Message::PRIO_DEBUG:
  case Poco::Message::PRIO_TRACE: return "debug";
  case Poco::Message::PRIO_INFORMATION:
  case Poco::Message::PRIO_NOTICE: return "info";
  case Poco::Message::PRIO_WARNING: return "warning";
  default: return "error";
  }
}

std::string requestIdOf(const Poco::Message &m) {
  return m.has(kRequestId) ? m.get(kRequestId) : std::string();
}

// Text or JSON as currentFormat says at each line, so that a reload may
// switch formats without replacing the channel other threads log through.
class LineFormatter : public Poco::Formatter {
public:
  void format(const Poco::Message &m, std::string &text) override {
    if (currentFormat.load(std::memory_order_relaxed) == Format::Json)
      json(m, text);
    else
      plain(m, text);
  }

private:
  void plain(const Poco::Message &m, std::string &text) {
    _pattern.format(m, text);
    const std::string id = requestIdOf(m);
    text += id.empty() ? m.getText() : "req=" + id + " " + m.getText();
  }

  // One JSON object per line, every value escaped (and made valid UTF-8),
  // so that each line parses whatever a message holds.
  static void json(const Poco::Message &m, std::string &text) {
    text += "{\"time\":\"";
    text += Poco::DateTimeFormatter::format(m.getTime(), "%Y-%m-%dT%H:%M:%S.%iZ");
    text += "\",\"level\":\"";
    text += levelName(m.getPriority());
    text += "\",\"pid\":" + std::to_string(m.getPid());
    // Formatting runs on the thread that logs (FormattingChannel is synchronous).
    text += ",\"thread\":" + std::to_string(::gettid());
    const std::string id = requestIdOf(m);
    if (!id.empty()) text += ",\"requestID\":" + json::quote(id);
    text += ",\"msg\":" + json::quote(m.getText()) + "}";
  }

  Poco::PatternFormatter _pattern{"%Y-%m-%dT%H:%M:%S.%iZ %p [%P] "};
};

// Standard error, one write(2) per line. Poco::ConsoleChannel writes the
// text and then std::endl: two system calls per line (7 lines per Docker
// mount cycle), and a reader of a pipe may see a line without its end.
class StderrChannel : public Poco::Channel {
public:
  void log(const Poco::Message &message) override {
    std::string line = message.getText();
    line += '\n';
    for (size_t done = 0; done < line.size();) {
      const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return; // nowhere to say that logging failed
      done += static_cast<size_t>(n);
    }
  }
};

std::mutex channelGuard;
Poco::AutoPtr<Poco::Channel> sink; // where lines go: stderr or the log file

void useChannel() {
  Poco::AutoPtr<Poco::Formatter> formatter(new LineFormatter);
  Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(formatter, sink));
  logger().setChannel(channel);
  logger().setLevel(Poco::Message::PRIO_DEBUG);
}

std::atomic<pid_t> cachedPid{0};

pid_t processId() {
  static const bool once = [] {
    ::pthread_atfork(nullptr, nullptr, [] { cachedPid.store(0, std::memory_order_relaxed); });
    return true;
  }();
  (void)once;
  pid_t pid = cachedPid.load(std::memory_order_relaxed);
  if (pid == 0) {
    pid = ::getpid();
    cachedPid.store(pid, std::memory_order_relaxed);
  }
  return pid;
}

void ensureChannel() {
  static const bool once = [] {
    std::lock_guard<std::mutex> lock(channelGuard);
    sink = new StderrChannel;
    useChannel();
    return true;
  }();
  (void)once;
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

Format parseFormat(const std::string &name) {
  const std::string n = Poco::toLower(name);
  if (n == "text") return Format::Text;
  if (n == "json") return Format::Json;
  throw Error(ErrorKind::Invalid, "unknown log format '" + name + "' (use text or json)");
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

void setFormat(Format format) {
  currentFormat = format;
}

void setFile(const std::string &path) {
  ensureChannel();
  std::lock_guard<std::mutex> lock(channelGuard);
  if (path.empty()) {
    sink = new StderrChannel;
  } else {
    auto *file = new Poco::FileChannel(path);
    file->setProperty("rotation", "10 M");
    file->setProperty("archive", "number");
    file->setProperty("purgeCount", "5");
    sink = file;
  }
  useChannel();
}

void write(Level level, const std::string &message) {
  ensureChannel();
  static const Poco::Message::Priority priorities[] = {
      Poco::Message::PRIO_DEBUG, Poco::Message::PRIO_INFORMATION, Poco::Message::PRIO_WARNING,
      Poco::Message::PRIO_ERROR};
  // Poco::Message's constructors ask the kernel for the pid (getpid(2)) each
  // time; a copy does not. The pid is ours, read once and again after a fork.
  static const Poco::Message prototype(logger().name(), "", Poco::Message::PRIO_INFORMATION);
  Poco::Message m(prototype);
  m.setPid(processId());
  m.setTime(Poco::Timestamp());
  m.setText(message);
  m.setPriority(priorities[static_cast<int>(level)]);
  const std::string &id = request::currentId();
  if (!id.empty()) m.set(kRequestId, id);
  logger().log(m);
}

} // namespace rexray::log
