#include "api/ListingMemo.h"

namespace rexray {

std::shared_ptr<const std::string> ListingMemo::text(const VolumeCache::Listing &listing,
                                                     const Render &render) const {
  {
    std::lock_guard<std::mutex> guard(_guard);
    if (listing == _renderedFrom) return _text;
  }
  // Rendered outside the lock: a reader of the kept text never waits for it.
  auto rendered = std::make_shared<const std::string>(render(*listing));
  std::lock_guard<std::mutex> guard(_guard);
  _renderedFrom = listing;
  _text = rendered;
  return rendered;
}

} // namespace rexray
