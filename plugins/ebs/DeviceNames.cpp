#include "DeviceNames.h"

#include "Text.h"

#include <algorithm>
#include <cctype>

namespace rexray::ebs {

DeviceNames::DeviceNames(bool largeRange) {
  if (largeRange) {
    for (char a = 'b'; a <= 'c'; ++a)
      for (char b = 'a'; b <= 'z'; ++b) _candidates.push_back(std::string("/dev/xvd") + a + b);
  } else {
    for (char c = 'f'; c <= 'p'; ++c) _candidates.push_back(std::string("/dev/xvd") + c);
  }
}

bool DeviceNames::isCandidate(const std::string &device) const {
  return std::find(_candidates.begin(), _candidates.end(), normalize(device)) != _candidates.end();
}

std::string DeviceNames::normalize(const std::string &device) {
  std::string name = text::trim(device);
  if (text::startsWith(name, "/dev/")) name = name.substr(5);
  if (text::startsWith(name, "sd") && name.size() > 2) name = "xvd" + name.substr(2);
  if (!text::startsWith(name, "xvd") || name.size() < 4 || name.find('/') != std::string::npos)
    return text::trim(device);
  // Partitions (xvdf1) name their disk.
  while (name.size() > 4 && std::isdigit(static_cast<unsigned char>(name.back()))) name.pop_back();
  return "/dev/" + name;
}

void DeviceNames::poison(const std::string &device, int64_t untilMs) {
  auto &slot = _poisonedUntil[normalize(device)];
  slot = std::max(slot, untilMs);
}

bool DeviceNames::poisoned(const std::string &device, int64_t nowMs) const {
  auto it = _poisonedUntil.find(normalize(device));
  return it != _poisonedUntil.end() && nowMs < it->second;
}

std::optional<size_t> DeviceNames::pick(const std::set<std::string> &used, int64_t nowMs) const {
  const size_t n = _candidates.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t at = (_next + i) % n;
    if (!used.count(_candidates[at]) && !poisoned(_candidates[at], nowMs)) return at;
  }
  return std::nullopt;
}

std::optional<std::string> DeviceNames::peek(const std::set<std::string> &used,
                                             int64_t nowMs) const {
  auto at = pick(used, nowMs);
  if (!at) return std::nullopt;
  return _candidates[*at];
}

std::optional<std::string> DeviceNames::choose(const std::set<std::string> &used,
                                               const std::string &preferred, int64_t nowMs) {
  for (auto it = _poisonedUntil.begin(); it != _poisonedUntil.end();)
    it = it->second <= nowMs ? _poisonedUntil.erase(it) : std::next(it);
  std::optional<size_t> at;
  if (!preferred.empty()) {
    const std::string p = normalize(preferred);
    auto found = std::find(_candidates.begin(), _candidates.end(), p);
    if (found != _candidates.end() && !used.count(p) && !poisoned(p, nowMs))
      at = static_cast<size_t>(found - _candidates.begin());
  }
  if (!at) at = pick(used, nowMs);
  if (!at) return std::nullopt;
  _next = (*at + 1) % _candidates.size();
  return _candidates[*at];
}

} // namespace rexray::ebs
