#pragma once

#include "CommandLine.h"
#include "volume/Types.h"

#include <memory>
#include <string>
#include <vector>

namespace rexray::cli {

// What the volume and snapshot commands act on: the running daemon's
// control API when there is one (so refcounts and locks live in one
// process), else the same VolumeService in this process. Both give the same
// results, so output does not depend on which one served it.
class Backend {
public:
  virtual ~Backend() = default;
  virtual std::string instanceId() = 0;
  virtual std::vector<Volume> list() = 0;
  virtual Volume inspect(const std::string &ref) = 0;
  virtual Volume create(const CreateSpec &spec) = 0;
  virtual void remove(const std::string &ref, bool force) = 0;
  virtual Volume attach(const std::string &ref, bool force) = 0;
  virtual void detach(const std::string &ref, bool force) = 0;
  virtual std::string mount(const std::string &ref, const MountOptions &options) = 0;
  virtual void unmount(const std::string &ref) = 0;
  virtual std::string path(const std::string &ref) = 0;
  virtual std::vector<Snapshot> snapshots(const std::string &volumeRef) = 0;
  virtual Snapshot createSnapshot(const std::string &volumeRef, const std::string &name,
                                  const std::string &description) = 0;
  virtual void removeSnapshot(const std::string &ref) = 0;
  virtual Snapshot copySnapshot(const std::string &ref, const std::string &name,
                                const std::string &region) = 0;
};

std::unique_ptr<Backend> makeBackend(const Invocation &inv);

} // namespace rexray::cli
