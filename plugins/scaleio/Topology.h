#ifndef REXRAY_SCALEIO_TOPOLOGY_H
#define REXRAY_SCALEIO_TOPOLOGY_H

#include "Gateway.h"
#include "Model.h"
#include "ScaleioSettings.h"

#include <string>
#include <vector>

// The configured system, its protection domains and storage pools, found by
// following the `links` the gateway returns from the system list (scaleio-
// rest.md §2) rather than by building URLs. Unlike goscaleio, an unset name
// never matches an unnamed object, and ambiguity is an error, not a guess.
namespace rexray::scaleio {

struct Topology {
  Object system;
  std::vector<Object> protectionDomains; // every PD of the system
  std::vector<StoragePool> pools;        // every pool of those PDs
  std::string protectionDomainId;        // the configured PD, "" = any
  std::string defaultPoolId;             // "" = the create call must name one

  // Reads it all; throws sdk::Error RXR_E_INVALID when the configuration
  // names something the gateway does not have.
  static Topology discover(Gateway &gateway, const ScaleioSettings &settings,
                           const sdk::support::Deadline &deadline);

  // The pool for a create: `nameOrId` when given (within the configured PD,
  // if any), else the default. Throws std::invalid_argument naming the pools.
  const StoragePool &poolFor(const std::string &nameOrId) const;
  // nullptr when the system has no such pool.
  const StoragePool *poolById(const std::string &id) const;
  std::string protectionDomainName(const std::string &id) const;
  // Where pools are looked for, for errors: the configured PD, else the gateway.
  std::string poolScope() const;
};

} // namespace rexray::scaleio

#endif // REXRAY_SCALEIO_TOPOLOGY_H
