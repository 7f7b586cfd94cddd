#ifndef REXRAY_EBS_DESCRIBEBATCHER_H
#define REXRAY_EBS_DESCRIBEBATCHER_H

#include "Ec2Types.h"

#include <rexray/sdk/driver.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

// Coalesces concurrent single-volume lookups into one DescribeVolumes of up
// to `maxBatch` ids. The first caller waits for company: until no one has
// joined for `quietMs`, at most `windowMs` in all; then it sends everything
// queued. Callers that arrive while a request is in flight queue up and go
// together in the next one. So a burst of N lookups costs one or two calls,
// not N, and a lone lookup waits only `quietMs`. The fetch runs on a caller's thread (no thread of
// our own); each caller still honours its own deadline.
namespace rexray::ebs {

class DescribeBatcher {
public:
  // Returns the volumes EC2 knows among `ids` (missing ones are simply absent).
  using Fetch =
      std::function<std::vector<Ec2Volume>(const sdk::Call &, const std::vector<std::string> &)>;

  DescribeBatcher(Fetch fetch, int64_t quietMs = 2, int64_t windowMs = 10, size_t maxBatch = 500);

  // The volume, nullopt when EC2 does not know it; rethrows the batch's error.
  std::optional<Ec2Volume> get(const sdk::Call &call, const std::string &id);

  // Requests sent (for tests and logs).
  uint64_t batchesSent() const;
  // Lookups queued and not yet sent (for tests).
  size_t queued() const;

private:
  struct Waiter {
    std::string id;
    int64_t deadlineMonoMs = 0;
    bool done = false;
    std::optional<Ec2Volume> result;
    std::exception_ptr error;
  };
  void runBatch(std::unique_lock<std::mutex> &lock);

  Fetch _fetch;
  int64_t _quietMs;
  int64_t _windowMs;
  size_t _maxBatch;
  mutable std::mutex _mu;
  std::condition_variable _cv;
  std::deque<std::shared_ptr<Waiter>> _pending;
  bool _inFlight = false;
  uint64_t _batches = 0;
};

} // namespace rexray::ebs

#endif // REXRAY_EBS_DESCRIBEBATCHER_H
