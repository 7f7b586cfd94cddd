#include "Progress.h"

#include <fmt/format.h>

#include <unistd.h>

namespace rexray::cli {
namespace {

constexpr std::chrono::seconds kQuietFor{1};
constexpr std::chrono::milliseconds kRedrawEvery{250};

void writeErr(const std::string &text) {
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, text.data(), text.size());
}

} // namespace

bool Progress::shown() {
  return ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string what)
    : _what(std::move(what)), _start(std::chrono::steady_clock::now()) {
  if (shown()) _thread = std::thread([this] { run(); });
}

Progress::~Progress() {
  if (!_thread.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(_mutex);
    _finished = true;
  }
  _done.notify_all();
  _thread.join();
  if (_drew) writeErr("\r\033[K"); // the result (or error) gets a clean line
}

void Progress::run() {
  std::unique_lock<std::mutex> lock(_mutex);
  if (_done.wait_until(lock, _start + kQuietFor, [this] { return _finished; })) return;
  do {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - _start);
    writeErr(fmt::format("\r\033[K{}... {}s", _what, elapsed.count()));
    _drew = true;
  } while (!_done.wait_for(lock, kRedrawEvery, [this] { return _finished; }));
}

} // namespace rexray::cli
