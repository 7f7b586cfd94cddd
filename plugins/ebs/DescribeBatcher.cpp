#include "DescribeBatcher.h"

#include "Text.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace rexray::ebs {

DescribeBatcher::DescribeBatcher(Fetch fetch, int64_t quietMs, int64_t windowMs, size_t maxBatch)
    : _fetch(std::move(fetch)), _quietMs(std::max<int64_t>(0, quietMs)),
      _windowMs(std::max(windowMs, quietMs)), _maxBatch(std::max<size_t>(1, maxBatch)) {}

uint64_t DescribeBatcher::batchesSent() const {
  std::lock_guard<std::mutex> guard(_mu);
  return _batches;
}

size_t DescribeBatcher::queued() const {
  std::lock_guard<std::mutex> guard(_mu);
  return _pending.size();
}

// Called with the lock held and _inFlight set by the caller; returns with the
// lock held and _inFlight cleared.
void DescribeBatcher::runBatch(std::unique_lock<std::mutex> &lock) {
  // Wait for company while it keeps coming (a burst of requests arrives
  // over a few milliseconds, as a server's threads pick them up).
  const auto start = std::chrono::steady_clock::now();
  const auto window = std::chrono::milliseconds(_windowMs);
  size_t seen = _pending.size();
  while (_quietMs > 0 && _pending.size() < _maxBatch) {
    const auto left = window - (std::chrono::steady_clock::now() - start);
    if (left <= std::chrono::milliseconds(0)) break;
    lock.unlock();
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(_quietMs), left));
    lock.lock();
    if (_pending.size() == seen) break; // quiet: nobody joined
    seen = _pending.size();
  }
  std::vector<std::shared_ptr<Waiter>> batch;
  std::vector<std::string> ids;
  int64_t deadline = 0;
  bool unbounded = false;
  while (!_pending.empty() && batch.size() < _maxBatch) {
    auto w = _pending.front();
    _pending.pop_front();
    if (std::find(ids.begin(), ids.end(), w->id) == ids.end()) ids.push_back(w->id);
    if (w->deadlineMonoMs == 0) unbounded = true;
    deadline = std::max(deadline, w->deadlineMonoMs);
    batch.push_back(std::move(w));
  }
  ++_batches;
  lock.unlock();

  // The request lives as long as the most patient member needs it.
  rxr_call raw{};
  raw.struct_size = sizeof raw;
  raw.deadline_mono_ms = unbounded ? 0 : deadline;
  raw.request_id = "";
  std::vector<Ec2Volume> found;
  std::exception_ptr error;
  try {
    if (!ids.empty()) found = _fetch(sdk::Call(&raw), ids);
  } catch (...) {
    error = std::current_exception();
  }

  lock.lock();
  for (auto &w : batch) {
    w->done = true;
    w->error = error;
    for (const auto &v : found)
      if (v.id == w->id) w->result = v;
  }
  _inFlight = false;
  _cv.notify_all();
}

std::optional<Ec2Volume> DescribeBatcher::get(const sdk::Call &call, const std::string &id) {
  auto me = std::make_shared<Waiter>();
  me->id = id;
  me->deadlineMonoMs = call.deadlineMonoMs();
  std::unique_lock<std::mutex> lock(_mu);
  _pending.push_back(me);
  while (!me->done) {
    if (!_inFlight) {
      _inFlight = true;
      runBatch(lock);
      continue;
    }
    if (me->deadlineMonoMs == 0) {
      _cv.wait(lock);
    } else {
      const int64_t left = me->deadlineMonoMs - sdk::monotonicNowMs();
      if (left <= 0) {
        auto it = std::find(_pending.begin(), _pending.end(), me);
        if (it != _pending.end()) _pending.erase(it);
        throw sdk::Error(RXR_E_TIMEOUT, "ebs: looking up volume " + id +
                                            ": the call's deadline passed while queued for "
                                            "DescribeVolumes");
      }
      _cv.wait_for(lock, std::chrono::milliseconds(left));
    }
  }
  if (me->error) std::rethrow_exception(me->error);
  return me->result;
}

} // namespace rexray::ebs
