#include "api/WorkerPool.h"

namespace rexray {

WorkerPool::WorkerPool(size_t maxThreads) : _max(maxThreads > 0 ? maxThreads : 1) {}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(_mutex);
    _stopping = true;
  }
  _wake.notify_all();
  for (auto &t : _threads) t.join();
}

void WorkerPool::post(std::function<void()> job) {
  std::lock_guard<std::mutex> lock(_mutex);
  _jobs.push_back(std::move(job));
  if (_jobs.size() > _idle && _threads.size() < _max)
    _threads.emplace_back([this] { work(); });
  else
    _wake.notify_one();
}

void WorkerPool::work() {
  std::unique_lock<std::mutex> lock(_mutex);
  for (;;) {
    ++_idle;
    _wake.wait(lock, [&] { return _stopping || !_jobs.empty(); });
    --_idle;
    if (_jobs.empty()) return; // stopping, and nothing left to run
    auto job = std::move(_jobs.front());
    _jobs.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

} // namespace rexray
