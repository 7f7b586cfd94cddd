#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rexray {

// Up to `maxThreads` threads taking jobs in order from one queue; a thread
// starts only when a job finds every existing one busy. Poco::ThreadPool
// refuses work once its threads are busy (it has no queue) and
// TCPServerDispatcher's queue only takes TCPServerConnections, so the queue
// a server needs in front of its workers is here.
class WorkerPool {
public:
  explicit WorkerPool(size_t maxThreads);
  // Runs the jobs still queued, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool &) = delete;
  WorkerPool &operator=(const WorkerPool &) = delete;

  // The job must not throw.
  void post(std::function<void()> job);

private:
  void work();

  const size_t _max;
  std::mutex _mutex;
  std::condition_variable _wake;
  std::deque<std::function<void()>> _jobs;
  std::vector<std::thread> _threads;
  size_t _idle = 0;
  bool _stopping = false;
};

} // namespace rexray
