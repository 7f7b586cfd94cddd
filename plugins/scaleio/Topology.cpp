#include "Topology.h"

namespace rexray::scaleio {

namespace {

using sdk::support::Deadline;

const char *const kPdRel = "/api/System/relationship/ProtectionDomain";
const char *const kPoolRel = "/api/ProtectionDomain/relationship/StoragePool";

std::string label(const Object &o) {
  return (o.name.empty() ? std::string("(unnamed)") : o.name) + " (" + o.id + ")";
}

template <typename T> std::string labels(const std::vector<T> &objects) {
  std::string out;
  for (const auto &o : objects) out += (out.empty() ? "" : ", ") + label(o);
  return out.empty() ? "none" : out;
}

// The one object whose id is `id` or, failing that, whose name is `name`.
// An unset pair matches only when there is exactly one object.
// `owner` names where the objects were looked for, in the error.
template <typename T>
const T &pick(const std::vector<T> &objects, const std::string &id, const std::string &name,
              const std::string &what, const std::string &keys,
              const std::string &owner = "the gateway") {
  if (id.empty() && name.empty()) {
    if (objects.size() == 1) return objects.front();
    throw sdk::Error(RXR_E_INVALID, owner + " has " + std::to_string(objects.size()) + " " + what +
                                        "s (" + labels(objects) + "): set " + keys);
  }
  for (const auto &o : objects)
    if (!id.empty() && o.id == id) return o;
  const T *found = nullptr;
  for (const auto &o : objects) {
    if (name.empty() || o.name != name) continue;
    if (found)
      throw sdk::Error(RXR_E_INVALID, "two " + what + "s are named '" + name + "': set its ID");
    found = &o;
  }
  if (!found)
    throw sdk::Error(RXR_E_INVALID, owner + " has no " + what + " " +
                                        (id.empty() ? "named '" + name + "'" : "'" + id + "'") +
                                        " (it has " + labels(objects) + ")");
  return *found;
}

std::string follow(const Object &o, const std::string &rel, const std::string &what) {
  auto href = o.link(rel);
  if (!href) throw sdk::Error(RXR_E_BACKEND, what + " " + label(o) + " has no link '" + rel + "'");
  return *href;
}

} // namespace

Topology Topology::discover(Gateway &gateway, const ScaleioSettings &settings,
                            const Deadline &deadline) {
  Topology t;
  const auto systems = parseObjects(gateway.get("/api/types/System/instances", deadline), "system");
  t.system = pick(systems, settings.systemId, settings.systemName, "system",
                  "scaleio.systemID or scaleio.systemName");
  t.protectionDomains =
      parseObjects(gateway.get(follow(t.system, kPdRel, "system"), deadline), "protection domain");
  if (!settings.protectionDomainId.empty() || !settings.protectionDomainName.empty())
    t.protectionDomainId =
        pick(t.protectionDomains, settings.protectionDomainId, settings.protectionDomainName,
             "protection domain", "scaleio.protectionDomainID or scaleio.protectionDomainName")
            .id;
  for (const auto &pd : t.protectionDomains) {
    auto pools =
        parseStoragePools(gateway.get(follow(pd, kPoolRel, "protection domain"), deadline));
    for (auto &p : pools) {
      if (p.protectionDomainId.empty()) p.protectionDomainId = pd.id;
      t.pools.push_back(std::move(p));
    }
  }
  std::vector<StoragePool> candidates;
  for (const auto &p : t.pools)
    if (t.protectionDomainId.empty() || p.protectionDomainId == t.protectionDomainId)
      candidates.push_back(p);
  if (!settings.storagePoolId.empty() || !settings.storagePoolName.empty())
    t.defaultPoolId =
        pick(candidates, settings.storagePoolId, settings.storagePoolName, "storage pool",
             "scaleio.storagePoolID or scaleio.storagePoolName", t.poolScope())
            .id;
  else if (candidates.size() == 1)
    t.defaultPoolId = candidates.front().id;
  return t;
}

const StoragePool &Topology::poolFor(const std::string &nameOrId) const {
  std::vector<StoragePool> candidates;
  for (const auto &p : pools)
    if (protectionDomainId.empty() || p.protectionDomainId == protectionDomainId)
      candidates.push_back(p);
  const std::string wanted = nameOrId.empty() ? defaultPoolId : nameOrId;
  if (wanted.empty())
    throw std::invalid_argument("no storage pool: set scaleio.storagePoolName, or give the "
                                "storagePool option (or --volumeType) with one of " +
                                labels(candidates));
  try {
    const auto &p = pick(candidates, wanted, wanted, "storage pool", "storagePool", poolScope());
    return *poolById(p.id);
  } catch (const sdk::Error &e) {
    throw std::invalid_argument(e.what());
  }
}

const StoragePool *Topology::poolById(const std::string &id) const {
  for (const auto &p : pools)
    if (p.id == id) return &p;
  return nullptr;
}

std::string Topology::poolScope() const {
  if (protectionDomainId.empty()) return "the gateway";
  return "protection domain '" + protectionDomainName(protectionDomainId) + "' (" +
         protectionDomainId + ")";
}

std::string Topology::protectionDomainName(const std::string &id) const {
  for (const auto &pd : protectionDomains)
    if (pd.id == id) return pd.name.empty() ? pd.id : pd.name;
  return {};
}

} // namespace rexray::scaleio
