#pragma once

#include "volume/VolumeCache.h"

#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace rexray {

// A reply rendered from a cache listing, kept until the listing changes: the
// cache shares one immutable listing per change, so its pointer says whether
// the text is still right (10,000 volumes are megabytes of JSON, rendered
// in tens of milliseconds). Thread-safe.
class ListingMemo {
public:
  using Render = std::function<std::string(const std::vector<VolumeCache::Shared> &)>;

  // The text for `listing`: the kept one when it was rendered from this
  // listing, else render(*listing), which is then kept.
  std::shared_ptr<const std::string> text(const VolumeCache::Listing &listing,
                                          const Render &render) const;

private:
  mutable std::mutex _guard;
  mutable VolumeCache::Listing _renderedFrom;
  mutable std::shared_ptr<const std::string> _text;
};

} // namespace rexray
