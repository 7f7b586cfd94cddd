#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace rexray::cli {

// While an operation runs for more than a second, and only when stderr is a
// terminal, one line there says what the command waits for and for how long
// ("attaching vol1: waiting for the backend and the device... 4s"); it is
// erased when the operation ends. Off a terminal nothing is written, so
// scripts and logs see only the result.
class Progress {
public:
  explicit Progress(std::string what);
  ~Progress();
  Progress(const Progress &) = delete;
  Progress &operator=(const Progress &) = delete;

  // Whether progress lines are shown at all (stderr is a terminal).
  static bool shown();

private:
  void run();

  std::string _what;
  std::chrono::steady_clock::time_point _start;
  std::mutex _mutex;
  std::condition_variable _done;
  bool _finished = false;
  bool _drew = false;
  std::thread _thread;
};

} // namespace rexray::cli
