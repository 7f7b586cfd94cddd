#include "EbsDriver.h"

#include "Ec2Error.h"
#include "Ec2Xml.h"
#include "SigV4.h"
#include "Text.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <thread>

namespace rexray::ebs {

namespace {

using sdk::Error;
using text::q;

constexpr int64_t kRecentTtlMs = 5000;            // attach/detach may reuse a lookup this fresh
constexpr int64_t kMappingTtlMs = 5 * 60 * 1000;  // DescribeInstances block-device mapping
constexpr int64_t kPoisonMs = 10 * 60 * 1000;     // a device name that failed is skipped this long
constexpr int64_t kAssignedTtlMs = 2 * 60 * 1000; // our own fresh attachments count as used
constexpr int64_t kDefaultDeviceWaitMs = 30000;   // wait_for_device without a deadline
constexpr int64_t kDevicePollMs = 100;
constexpr int64_t kMaxVolumePollMs = 10000; // one status poll sleeps at most this long
constexpr int64_t kMaxSnapshotPollMs = 2000;
constexpr int64_t kPresignExpirySeconds = 300;

// Monotonic: every use is an interval or a comparison with the call's deadline.
int64_t now() {
  return sdk::monotonicNowMs();
}

void sleepMs(int64_t ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

void addFilters(support::Headers &params,
                const std::vector<std::pair<std::string, std::vector<std::string>>> &filters) {
  int i = 0;
  for (const auto &[name, values] : filters) {
    ++i;
    const std::string base = "Filter." + std::to_string(i);
    params.emplace_back(base + ".Name", name);
    int j = 0;
    for (const auto &v : values) params.emplace_back(base + ".Value." + std::to_string(++j), v);
  }
}

// EC2 filter values treat * and ? as wildcards; a backslash escapes them.
std::string escapeFilter(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

void addNameTag(support::Headers &params, const std::string &resourceType,
                const std::string &value) {
  params.emplace_back("TagSpecification.1.ResourceType", resourceType);
  params.emplace_back("TagSpecification.1.Tag.1.Key", "Name");
  params.emplace_back("TagSpecification.1.Tag.1.Value", value);
}

// The attachment that makes a volume "attached somewhere" (not one on its way out).
const Ec2Attachment *holder(const Ec2Volume &v) {
  for (const auto &a : v.attachments)
    if (a.status == "attaching" || a.status == "attached" || a.status == "busy") return &a;
  return nullptr;
}

// Any attachment that is not gone yet, detaching included.
const Ec2Attachment *anyAttachment(const Ec2Volume &v) {
  for (const auto &a : v.attachments)
    if (a.status != "detached") return &a;
  return nullptr;
}

std::string stateOf(const std::optional<Ec2Volume> &v) {
  if (!v) return "not visible in EC2";
  std::string s = "status " + q(v->status);
  for (const auto &a : v->attachments)
    s += ", attachment to " + a.instanceId + " as " + a.device + " " + q(a.status);
  return s;
}

bool isHex(const std::string &s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

const std::vector<std::string> &volumeTypes() {
  static const std::vector<std::string> types = {"gp2", "gp3", "io1",     "io2",
                                                 "st1", "sc1", "standard"};
  return types;
}

std::string sinceText(int64_t startMs) {
  return text::describeMs(now() - startMs);
}

} // namespace

// ---- construction -----------------------------------------------------------

EbsDriver::EbsDriver(const sdk::Host &host, std::string service)
    : EbsDriver(host, std::move(service), EbsSettings::load(host)) {}

EbsDriver::EbsDriver(const sdk::Host &host, std::string service, EbsSettings settings)
    : sdk::Driver(host, std::move(service)), _settings(std::move(settings)),
      _imds(
          [&]() -> const std::string & {
            try {
              support::Endpoint::parse(_settings.metadataEndpoint);
            } catch (const std::invalid_argument &e) {
              throw Error(RXR_E_INVALID, std::string("ebs: ebs.metadataEndpoint: ") + e.what());
            }
            return _settings.metadataEndpoint;
          }(),
          host),
      _credentials(
          {_settings.accessKey, _settings.secretKey, _settings.sessionToken, _settings.profile},
          &_imds, host),
      _locator(_settings.deviceRoot, _settings.sysfsRoot), _names(_settings.useLargeDeviceRange) {
  if (!_settings.endpoint.empty()) {
    try {
      support::Endpoint::parse(_settings.endpoint);
    } catch (const std::invalid_argument &e) {
      throw Error(RXR_E_INVALID, std::string("ebs: ebs.endpoint: ") + e.what());
    }
  }
  _batcher = std::make_unique<DescribeBatcher>(
      [this](const sdk::Call &call, const std::vector<std::string> &ids) {
        if (ids.size() > 1)
          this->host().debug("ebs: " + std::to_string(ids.size()) +
                             " volume lookups coalesced into one DescribeVolumes");
        return describeVolumes(call, {{"volume-id", ids}});
      });
  this->host().debug(
      "ebs: endpoint " +
      (_settings.endpoint.empty() ? "https://ec2.<region>.amazonaws.com" : _settings.endpoint) +
      ", metadata " + _settings.metadataEndpoint + ", region " +
      (_settings.region.empty() ? "(from the identity document)" : _settings.region) + ", tag " +
      (_settings.tag.empty() ? "(none)" : q(_settings.tag)) + ", device root " +
      _settings.deviceRoot);
}

EbsDriver::~EbsDriver() = default;

// ---- small helpers ----------------------------------------------------------

std::string EbsDriver::makeToken(const std::string &device, const std::string &volumeId) {
  return device + "@" + volumeId;
}

std::pair<std::string, std::string> EbsDriver::parseToken(const std::string &token) {
  const auto at = token.rfind('@');
  if (at == std::string::npos) return {text::trim(token), ""};
  return {text::trim(token.substr(0, at)), text::trim(token.substr(at + 1))};
}

bool EbsDriver::plausibleVolumeId(const std::string &id) {
  return text::startsWith(id, "vol-") && id.size() >= 12 && id.size() <= 21 && isHex(id.substr(4));
}

bool EbsDriver::plausibleInstanceId(const std::string &id) {
  return text::startsWith(id, "i-") && id.size() >= 10 && id.size() <= 19 && isHex(id.substr(2));
}

bool EbsDriver::plausibleSnapshotId(const std::string &id) {
  return text::startsWith(id, "snap-") && id.size() >= 13 && id.size() <= 22 && isHex(id.substr(5));
}

std::string EbsDriver::nameTagFor(const std::string &name) const {
  return _settings.tag.empty() ? name : _settings.tag + "/" + name;
}

std::optional<std::string> EbsDriver::nameFromTag(const std::string &tagValue) const {
  if (_settings.tag.empty()) return tagValue;
  const std::string prefix = _settings.tag + "/";
  if (!text::startsWith(tagValue, prefix) || tagValue.size() == prefix.size()) return std::nullopt;
  return tagValue.substr(prefix.size());
}

namespace {

void requireVolumeId(const std::string &id) {
  if (!EbsDriver::plausibleVolumeId(id))
    throw Error(RXR_E_NOT_FOUND,
                "ebs: " + q(id) +
                    " is not an EBS volume id (expected vol- and 8 to 17 hex digits)");
}

void requireSnapshotId(const std::string &id) {
  if (!EbsDriver::plausibleSnapshotId(id))
    throw Error(RXR_E_NOT_FOUND,
                "ebs: " + q(id) + " is not an EBS snapshot id (expected snap- and hex digits)");
}

} // namespace

EbsDriver::Self EbsDriver::self(const sdk::Call &call) {
  {
    std::lock_guard<std::mutex> guard(_mu);
    if (_self) return *_self;
  }
  const IdentityDocument doc = _imds.identity(call);
  Self s;
  s.instanceId = doc.instanceId;
  s.availabilityZone = doc.availabilityZone;
  s.region = _settings.region.empty() ? doc.region : _settings.region;
  if (s.region.empty())
    throw Error(RXR_E_INVALID, "ebs: no region: set ebs.region (the identity document from " +
                                   _imds.endpoint() + " names none)");
  if (!_settings.region.empty() && !doc.region.empty() && doc.region != _settings.region)
    host().warn("ebs: ebs.region is " + _settings.region + " but this instance runs in " +
                doc.region + "; volumes of " + _settings.region + " cannot attach here");
  host().info("ebs: instance " + s.instanceId + " in " + s.availabilityZone + " (" + s.region +
              "), metadata via IMDS" + _imds.mode());
  std::lock_guard<std::mutex> guard(_mu);
  _self = s;
  return s;
}

Ec2Client &EbsDriver::ec2(const sdk::Call &call) {
  return ec2For(call, _settings.region.empty() ? self(call).region : _settings.region);
}

Ec2Client &EbsDriver::ec2For(const sdk::Call &, const std::string &region) {
  std::lock_guard<std::mutex> guard(_mu);
  auto &slot = _clients[region];
  if (!slot) {
    Ec2Client::Options o;
    o.endpoint = _settings.endpointFor(region);
    o.region = region;
    o.maxRetries = _settings.maxRetries;
    try {
      slot = std::make_unique<Ec2Client>(o, _credentials, host());
    } catch (const std::invalid_argument &e) {
      throw Error(RXR_E_INVALID, std::string("ebs: EC2 endpoint for ") + region + ": " + e.what());
    }
  }
  return *slot;
}

void EbsDriver::remember(const Ec2Volume &v) {
  std::lock_guard<std::mutex> guard(_recentMu);
  _recent[v.id] = {v, now()};
  if (_recent.size() > 4096) _recent.clear();
}

void EbsDriver::forget(const std::string &id) {
  std::lock_guard<std::mutex> guard(_recentMu);
  _recent.erase(id);
}

std::optional<Ec2Volume> EbsDriver::recent(const std::string &id) {
  std::lock_guard<std::mutex> guard(_recentMu);
  auto it = _recent.find(id);
  if (it == _recent.end() || now() - it->second.second > kRecentTtlMs) return std::nullopt;
  return it->second.first;
}

// ---- EC2 reads --------------------------------------------------------------

std::vector<Ec2Volume> EbsDriver::describeVolumes(const sdk::Call &call, const Filters &filters) {
  Ec2Client &client = ec2(call);
  std::vector<Ec2Volume> out;
  std::string token;
  do {
    support::Headers params;
    addFilters(params, filters);
    if (!token.empty()) params.emplace_back("NextToken", token);
    xml::VolumePage page;
    const std::string body = client.call(call, "DescribeVolumes", params);
    try {
      page = xml::parseDescribeVolumes(body);
    } catch (const std::runtime_error &e) {
      throw Error(RXR_E_BACKEND,
                  std::string("ebs: EC2 DescribeVolumes: unreadable reply: ") + e.what());
    }
    for (auto &v : page.volumes) out.push_back(std::move(v));
    token = page.nextToken;
  } while (!token.empty());
  return out;
}

std::optional<Ec2Volume> EbsDriver::describeVolume(const sdk::Call &call, const std::string &id) {
  auto v = _batcher->get(call, id);
  if (v)
    remember(*v);
  else
    forget(id);
  return v;
}

Ec2Volume EbsDriver::requireVolume(const sdk::Call &call, const std::string &id, bool allowRecent) {
  requireVolumeId(id);
  if (allowRecent)
    if (auto v = recent(id)) return *v;
  auto v = describeVolume(call, id);
  if (!v)
    throw Error(RXR_E_NOT_FOUND,
                "ebs: volume " + id + " not found in region " + ec2(call).region());
  auto name = nameFromTag(v->tag("Name"));
  if (!name)
    throw Error(RXR_E_NOT_FOUND, "ebs: volume " + id +
                                     " is not in this service's scope: its Name tag " +
                                     q(v->tag("Name")) + " does not start with " +
                                     q(_settings.tag + "/") + " (ebs.tag)");
  return *v;
}

std::vector<Ec2Snapshot> EbsDriver::describeSnapshots(const sdk::Call &call, Ec2Client &client,
                                                      const Filters &filters) {
  std::vector<Ec2Snapshot> out;
  std::string token;
  do {
    support::Headers params;
    // Without an owner EC2 lists every public snapshot too.
    params.emplace_back("Owner.1", "self");
    addFilters(params, filters);
    if (!token.empty()) params.emplace_back("NextToken", token);
    xml::SnapshotPage page;
    const std::string body = client.call(call, "DescribeSnapshots", params);
    try {
      page = xml::parseDescribeSnapshots(body);
    } catch (const std::runtime_error &e) {
      throw Error(RXR_E_BACKEND,
                  std::string("ebs: EC2 DescribeSnapshots: unreadable reply: ") + e.what());
    }
    for (auto &s : page.snapshots) out.push_back(std::move(s));
    token = page.nextToken;
  } while (!token.empty());
  return out;
}

Ec2Snapshot EbsDriver::requireSnapshot(const sdk::Call &call, Ec2Client &client,
                                       const std::string &id) {
  requireSnapshotId(id);
  // A snapshot-id filter rather than SnapshotId.N: REX-Ray saw stale data with the latter.
  for (auto &s : describeSnapshots(call, client, {{"snapshot-id", {id}}})) {
    if (s.id != id) continue;
    if (!nameFromTag(s.tag("Name")))
      throw Error(RXR_E_NOT_FOUND, "ebs: snapshot " + id +
                                       " is not in this service's scope: its Name tag " +
                                       q(s.tag("Name")) + " does not start with " +
                                       q(_settings.tag + "/") + " (ebs.tag)");
    return s;
  }
  throw Error(RXR_E_NOT_FOUND, "ebs: snapshot " + id + " not found in region " + client.region());
}

// ---- conversions ------------------------------------------------------------

sdk::Volume EbsDriver::toVolume(const Ec2Volume &v, const std::string &name) const {
  sdk::Volume out;
  out.id = v.id;
  out.name = name;
  out.type = v.type;
  out.availabilityZone = v.availabilityZone;
  out.status = v.status;
  out.sizeGiB = v.sizeGiB;
  out.iops = v.iops;
  out.encrypted = v.encrypted;
  out.createdUnix = v.createTime;
  if (const Ec2Attachment *a = holder(v)) {
    out.attachedInstanceId = a->instanceId;
    out.attachedDevice = DeviceNames::normalize(a->device);
    out.fields.emplace_back("attachmentState", a->status);
  }
  if (!v.snapshotId.empty()) out.fields.emplace_back("snapshotId", v.snapshotId);
  if (!v.kmsKeyId.empty()) out.fields.emplace_back("kmsKeyId", v.kmsKeyId);
  if (v.throughput) out.fields.emplace_back("throughput", std::to_string(v.throughput));
  if (!_settings.tag.empty()) out.fields.emplace_back("nameTag", v.tag("Name"));
  return out;
}

sdk::Snapshot EbsDriver::toSnapshot(const Ec2Snapshot &s, const std::string &name) const {
  sdk::Snapshot out;
  out.id = s.id;
  out.name = name;
  out.volumeId = s.volumeId;
  out.status = s.status;
  out.description = s.description;
  out.sizeGiB = s.volumeSizeGiB;
  out.startTimeUnix = s.startTime;
  return out;
}

// ---- polling ----------------------------------------------------------------

std::optional<Ec2Volume>
EbsDriver::waitVolume(const sdk::Call &call, const std::string &id, const std::string &what,
                      const std::function<bool(const std::optional<Ec2Volume> &)> &check,
                      int64_t stopAtMs, const std::function<bool()> &shortcut) {
  const int64_t start = now();
  int64_t stop = start + _settings.statusTimeoutMs;
  if (call.hasDeadline()) stop = std::min(stop, call.deadlineMonoMs());
  if (stopAtMs > 0) stop = std::min(stop, stopAtMs);
  int64_t delay = _settings.statusInitialDelayMs;
  std::optional<Ec2Volume> last;
  int checks = 0;
  bool exhausted = false;
  for (;;) {
    const int64_t left = stop - now();
    if (left <= 0) break;
    sleepMs(std::min(delay, left));
    if (shortcut && shortcut()) return std::nullopt;
    last = describeVolume(call, id);
    ++checks;
    if (check(last)) return last;
    if (checks >= _settings.statusMaxAttempts) {
      exhausted = true;
      break;
    }
    delay = std::min(delay * 2, kMaxVolumePollMs);
  }
  throw Error(RXR_E_TIMEOUT, "ebs: volume " + id + " did not " + what + " within " +
                                 sinceText(start) + " (" + std::to_string(checks) + " checks" +
                                 (exhausted ? ", ebs.statusMaxAttempts reached" : "") +
                                 "); last seen: " + stateOf(last));
}

Ec2Snapshot EbsDriver::waitSnapshot(const sdk::Call &call, Ec2Client &client, const std::string &id,
                                    bool returnPending) {
  const int64_t start = now();
  int64_t stop = start + _settings.statusTimeoutMs;
  // Leave a second to report back before the host's deadline.
  if (call.hasDeadline()) stop = std::min(stop, call.deadlineMonoMs() - 1000);
  int64_t delay = _settings.statusInitialDelayMs;
  std::optional<Ec2Snapshot> last;
  for (;;) {
    const int64_t left = stop - now();
    if (left <= 0) break;
    sleepMs(std::min(delay, left));
    last.reset();
    for (auto &s : describeSnapshots(call, client, {{"snapshot-id", {id}}}))
      if (s.id == id) last = s;
    if (last && last->status == "completed") return *last;
    if (last && last->status == "error") {
      // A failed snapshot holds nothing; do not leave it behind.
      std::string removed = "; it was deleted";
      try {
        client.call(call, "DeleteSnapshot", {{"SnapshotId", id}});
      } catch (const std::exception &e) {
        removed = std::string("; deleting it failed: ") + e.what();
      }
      throw Error(RXR_E_BACKEND,
                  "ebs: snapshot " + id + " failed in EC2: " +
                      (last->statusMessage.empty() ? "status 'error'" : last->statusMessage) +
                      removed);
    }
    delay = std::min(delay * 2, kMaxSnapshotPollMs);
  }
  if (returnPending && last) {
    host().warn("ebs: snapshot " + id + " is still " + q(last->status) + " (" + last->progress +
                ") after " + sinceText(start) + "; returning it pending");
    return *last;
  }
  throw Error(RXR_E_TIMEOUT, "ebs: snapshot " + id + " did not complete within " +
                                 sinceText(start) +
                                 (last ? "; last status " + q(last->status) + " " + last->progress
                                       : "; it is not visible in EC2"));
}

std::string EbsDriver::callWhileSnapshotPending(const sdk::Call &call, Ec2Client &client,
                                                const std::string &action,
                                                const support::Headers &params) {
  // A snapshot that is still pending makes CreateVolume/CopySnapshot fail
  // with IncorrectState ("Snapshot is in invalid state - pending"); REX-Ray
  // 0.3 retried, and so do we, within statusTimeout and the deadline.
  const int64_t start = now();
  int64_t delay = _settings.statusInitialDelayMs;
  for (;;) {
    try {
      return client.call(call, action, params);
    } catch (const Ec2Error &e) {
      const bool pending =
          e.code() == "IncorrectState" && text::contains(text::lower(e.ec2Message()), "pending");
      if (!pending || now() - start + delay >= _settings.statusTimeoutMs ||
          delay >= call.remainingMs())
        throw;
      host().debug("ebs: " + action + " waits for a pending snapshot: " + e.ec2Message());
      sleepMs(delay);
      delay = std::min(delay * 2, kMaxSnapshotPollMs);
    }
  }
}

// ---- identity and listing ---------------------------------------------------

std::string EbsDriver::instanceId(const sdk::Call &call) {
  return self(call).instanceId;
}

sdk::InstanceInfo EbsDriver::instanceInfo(const sdk::Call &call) {
  sdk::InstanceInfo info;
  info.zone = self(call).availabilityZone;
  info.maxAttachments = static_cast<int64_t>(_names.candidates().size());
  return info;
}

std::vector<sdk::Volume> EbsDriver::volumes(const sdk::Call &call) {
  Filters filters;
  try {
    const Self me = self(call);
    if (!me.availabilityZone.empty())
      filters.push_back({"availability-zone", {me.availabilityZone}});
  } catch (const Error &e) {
    // Off EC2 (or with the metadata service down) a configured region still
    // allows listing, unscoped by zone.
    if (_settings.region.empty() || e.status() == RXR_E_AUTH || e.status() == RXR_E_TIMEOUT) throw;
    host().warn(std::string("ebs: listing volumes of every zone of ") + _settings.region +
                ": cannot tell this instance's zone: " + e.what());
  }
  if (!_settings.tag.empty()) filters.push_back({"tag:Name", {escapeFilter(_settings.tag) + "/*"}});
  std::vector<sdk::Volume> out;
  for (const auto &v : describeVolumes(call, filters)) {
    if (v.status == "deleting" || v.status == "deleted") continue;
    auto name = nameFromTag(v.tag("Name"));
    if (!name) continue;
    out.push_back(toVolume(v, *name));
  }
  return out;
}

sdk::Volume EbsDriver::volume(const sdk::Call &call, const std::string &id) {
  const Ec2Volume v = requireVolume(call, id, false);
  return toVolume(v, *nameFromTag(v.tag("Name")));
}

// ---- create and remove ------------------------------------------------------

sdk::Volume EbsDriver::createVolume(const sdk::Call &call, const sdk::CreateOptions &o) {
  if (o.name.empty()) throw Error(RXR_E_INVALID, "ebs: a volume needs a name");
  const std::string nameTag = nameTagFor(o.name);
  if (nameTag.size() > 255)
    throw Error(RXR_E_INVALID,
                "ebs: the Name tag " + q(nameTag) + " is longer than 255 characters");
  if (!o.fromSnapshotId.empty() && !o.fromVolumeId.empty())
    throw Error(RXR_E_INVALID, "ebs: restore a snapshot or copy a volume, not both");
  const bool fromSource = !o.fromSnapshotId.empty() || !o.fromVolumeId.empty();
  if (o.sizeGiB < 0 || (o.sizeGiB == 0 && !fromSource))
    throw Error(RXR_E_INVALID,
                "ebs: volume size must be at least 1 GiB, got " + std::to_string(o.sizeGiB));
  const std::string type = text::lower(o.type);
  if (!type.empty() &&
      std::find(volumeTypes().begin(), volumeTypes().end(), type) == volumeTypes().end())
    throw Error(RXR_E_INVALID, "ebs: unknown volume type " + q(o.type) +
                                   " (use gp2, gp3, io1, io2, st1, sc1 or standard)");
  if (o.iops < 0) throw Error(RXR_E_INVALID, "ebs: iops must not be negative");
  if ((type == "io1" || type == "io2") && o.iops == 0)
    throw Error(RXR_E_INVALID,
                "ebs: volume type " + type + " needs iops (provisioned IOPS, e.g. 3000)");
  if (o.iops > 0 && type != "io1" && type != "io2" && type != "gp3")
    throw Error(RXR_E_INVALID,
                "ebs: iops only applies to volume types io1, io2 and gp3" +
                    std::string(type.empty() ? " (no volumeType was given)" : ", not " + type));
  // The host passes only the options Plugin.cpp declares, type-checked.
  int64_t throughput = 0;
  std::string kmsKeyOption;
  for (const auto &[key, value] : o.extra) {
    if (text::lower(key) == "kmskeyid") {
      kmsKeyOption = text::trim(value);
    } else if (text::lower(key) == "throughput") {
      auto n = text::parseInt(value);
      if (!n || *n <= 0)
        throw Error(RXR_E_INVALID,
                    "ebs: option throughput: expected MiB/s as a positive number, got " + q(value));
      if (type != "gp3")
        throw Error(RXR_E_INVALID, "ebs: option throughput only applies to volume type gp3");
      throughput = *n;
    } else {
      throw Error(RXR_E_INVALID,
                  "ebs: unknown create option " + q(key) + " (known: throughput, kmsKeyID)");
    }
  }
  if (throughput == 0 && type == "gp3") throughput = _settings.throughput;
  const std::string requestedKey = !o.encryptionKey.empty() ? o.encryptionKey : kmsKeyOption;
  const bool encrypted = o.encrypted || !requestedKey.empty();
  const std::string kmsKey =
      !requestedKey.empty() ? requestedKey : (encrypted ? _settings.kmsKeyId : "");

  const Self me = self(call);
  const std::string zone = o.availabilityZone.empty() ? me.availabilityZone : o.availabilityZone;
  if (zone.empty()) throw Error(RXR_E_INVALID, "ebs: no availability zone for the new volume");
  Ec2Client &client = ec2(call);

  // Names are identity: one per region (REX-Ray looked without the tag
  // prefix and missed duplicates; specs/ec2-ebs.md §7 quirk 3).
  for (const auto &v : describeVolumes(call, {{"tag:Name", {escapeFilter(nameTag)}}})) {
    if (v.status == "deleting" || v.status == "deleted" || v.tag("Name") != nameTag) continue;
    throw Error(RXR_E_EXISTS, "ebs: a volume named " + q(o.name) + " already exists: " + v.id +
                                  " in " + v.availabilityZone + " (" + v.status + ")");
  }

  // A volume copy goes through a temporary snapshot (EBS has no direct copy).
  std::string snapshotId = o.fromSnapshotId;
  std::string temporarySnapshot;
  if (!o.fromVolumeId.empty()) {
    const Ec2Volume source = requireVolume(call, o.fromVolumeId, false);
    support::Headers p = {
        {"VolumeId", source.id},
        {"Description", "rexray: temporary snapshot to copy " + source.id + " into " + nameTag}};
    const std::string body = client.call(call, "CreateSnapshot", p);
    temporarySnapshot = xml::parseCreateSnapshot(body).id;
    host().info("ebs: copying volume " + source.id + " through temporary snapshot " +
                temporarySnapshot);
    waitSnapshot(call, client, temporarySnapshot, false);
    snapshotId = temporarySnapshot;
  } else if (!snapshotId.empty()) {
    requireSnapshot(call, client, snapshotId);
  }
  auto dropTemporary = [&] {
    if (temporarySnapshot.empty()) return;
    try {
      client.call(call, "DeleteSnapshot", {{"SnapshotId", temporarySnapshot}});
    } catch (const std::exception &e) {
      host().warn("ebs: cannot delete temporary snapshot " + temporarySnapshot + ": " + e.what());
    }
  };

  support::Headers params = {{"AvailabilityZone", zone}};
  if (o.sizeGiB > 0) params.emplace_back("Size", std::to_string(o.sizeGiB));
  if (!type.empty()) params.emplace_back("VolumeType", type);
  if (o.iops > 0) params.emplace_back("Iops", std::to_string(o.iops));
  if (throughput > 0) params.emplace_back("Throughput", std::to_string(throughput));
  if (encrypted) params.emplace_back("Encrypted", "true");
  if (!kmsKey.empty()) params.emplace_back("KmsKeyId", kmsKey);
  if (!snapshotId.empty()) params.emplace_back("SnapshotId", snapshotId);
  addNameTag(params, "volume", nameTag);

  std::string body;
  try {
    body = callWhileSnapshotPending(call, client, "CreateVolume", params);
  } catch (...) {
    dropTemporary();
    throw;
  }
  Ec2Volume created;
  try {
    created = xml::parseCreateVolume(body);
  } catch (const std::runtime_error &e) {
    dropTemporary();
    throw Error(RXR_E_BACKEND, std::string("ebs: EC2 CreateVolume: unreadable reply: ") + e.what());
  }
  host().info("ebs: created volume " + created.id + " (" + nameTag + ", " +
              std::to_string(created.sizeGiB) + " GiB " + created.type + " in " + zone + ")");

  Ec2Volume ready;
  try {
    ready =
        *waitVolume(call, created.id, "become available", [&](const std::optional<Ec2Volume> &v) {
          if (v && v->status == "error")
            throw Error(RXR_E_BACKEND,
                        "ebs: EC2 put new volume " + created.id + " in state 'error'");
          return v && v->status == "available";
        });
  } catch (const Error &e) {
    dropTemporary();
    if (e.status() == RXR_E_BACKEND) {
      try {
        client.call(call, "DeleteVolume", {{"VolumeId", created.id}});
      } catch (const std::exception &) {
      }
    }
    throw;
  }
  dropTemporary();
  if (ready.tags.empty()) ready.tags["Name"] = nameTag; // emulators that drop TagSpecification
  return toVolume(ready, o.name);
}

void EbsDriver::removeVolume(const sdk::Call &call, const std::string &id, bool force) {
  const Ec2Volume v = requireVolume(call, id, false);
  if (const Ec2Attachment *a = anyAttachment(v)) {
    if (!force)
      throw Error(RXR_E_BUSY, "ebs: volume " + id + " is attached to instance " + a->instanceId +
                                  " as " + a->device + " (" + a->status +
                                  "); detach it first or force the removal");
    detachVolume(call, id, true);
  }
  try {
    ec2(call).call(call, "DeleteVolume", {{"VolumeId", id}});
  } catch (const Ec2Error &e) {
    forget(id);
    if (e.code() == "InvalidVolume.NotFound")
      throw Error(RXR_E_NOT_FOUND, "ebs: volume " + id + " not found: " + e.what());
    throw;
  }
  forget(id);
  host().info("ebs: deleted volume " + id);
}

sdk::Volume EbsDriver::expandVolume(const sdk::Call &call, const std::string &id, int64_t sizeGiB) {
  if (sizeGiB <= 0)
    throw Error(RXR_E_INVALID,
                "ebs: volume " + id + " cannot grow to " + std::to_string(sizeGiB) + " GiB");
  Ec2Volume v = requireVolume(call, id, false);
  if (v.sizeGiB >= sizeGiB) return toVolume(v, *nameFromTag(v.tag("Name")));
  try {
    ec2(call).call(call, "ModifyVolume", {{"VolumeId", id}, {"Size", std::to_string(sizeGiB)}});
  } catch (const Ec2Error &e) {
    if (e.code() == "InvalidVolume.NotFound")
      throw Error(RXR_E_NOT_FOUND, "ebs: volume " + id + " not found: " + e.what());
    throw;
  }
  forget(id);
  host().info("ebs: volume " + id + " grows from " + std::to_string(v.sizeGiB) + " to " +
              std::to_string(sizeGiB) + " GiB");
  v = requireVolume(call, id, false);
  // EC2 reports the new size once the modification is accepted; say what
  // was asked for should an emulator lag behind.
  if (v.sizeGiB < sizeGiB) v.sizeGiB = sizeGiB;
  return toVolume(v, *nameFromTag(v.tag("Name")));
}

// ---- attach and detach ------------------------------------------------------

std::optional<Ec2Instance> EbsDriver::describeInstance(const sdk::Call &call,
                                                       const std::string &instanceId) {
  const std::string body =
      ec2(call).call(call, "DescribeInstances", {{"InstanceId.1", instanceId}});
  std::vector<Ec2Instance> instances;
  try {
    instances = xml::parseDescribeInstances(body);
  } catch (const std::runtime_error &e) {
    throw Error(RXR_E_BACKEND,
                std::string("ebs: EC2 DescribeInstances: unreadable reply: ") + e.what());
  }
  for (auto &instance : instances)
    if (instance.id == instanceId) return std::move(instance);
  return std::nullopt;
}

std::set<std::string> EbsDriver::usedDeviceNames(const sdk::Call &call, const Self &me,
                                                 bool refresh) {
  const int64_t t = now();
  if (refresh || _mappingFetchedMs == 0 || t - _mappingFetchedMs > kMappingTtlMs) {
    const auto it = describeInstance(call, me.instanceId);
    if (!it)
      throw Error(RXR_E_NOT_FOUND, "ebs: EC2 does not know this instance (" + me.instanceId +
                                       ") in region " + ec2(call).region());
    _mappingNames.clear();
    for (const auto &bd : it->blockDevices)
      _mappingNames.insert(DeviceNames::normalize(bd.deviceName));
    _mappingFetchedMs = t;
  }
  if (!_launchNames) {
    // Instance-store volumes (ephemeralN → sdb) are invisible to
    // DescribeInstances but occupy their names (pain point #1).
    std::set<std::string> names;
    try {
      for (const auto &[key, device] : _imds.blockDeviceMapping(call))
        names.insert(DeviceNames::normalize(device));
    } catch (const Error &e) {
      host().warn(std::string("ebs: cannot read the launch block-device mapping: ") + e.what());
    }
    _launchNames = names;
  }
  std::set<std::string> used = _mappingNames;
  used.insert(_launchNames->begin(), _launchNames->end());
  for (const auto &n : _locator.takenNames(_names.candidates())) used.insert(n);
  for (auto it = _assigned.begin(); it != _assigned.end();) {
    if (t - it->second.sinceMs > kAssignedTtlMs) {
      it = _assigned.erase(it);
    } else {
      used.insert(it->first);
      ++it;
    }
  }
  return used;
}

void EbsDriver::forgetDevice(const std::string &volumeId) {
  std::lock_guard<std::mutex> guard(_attachMu);
  for (auto it = _assigned.begin(); it != _assigned.end();) {
    if (it->second.volumeId == volumeId) {
      _mappingNames.erase(it->first);
      it = _assigned.erase(it);
    } else {
      ++it;
    }
  }
}

std::string EbsDriver::nextDevice(const sdk::Call &call) {
  const Self me = self(call);
  std::lock_guard<std::mutex> guard(_attachMu);
  const auto used = usedDeviceNames(call, me, false);
  if (auto device = _names.peek(used, now())) return *device;
  throw Error(RXR_E_BUSY, "ebs: no free device name: every one of " + _names.candidates().front() +
                              "…" + _names.candidates().back() + " is in use or recently failed" +
                              (_settings.useLargeDeviceRange
                                   ? std::string()
                                   : "; ebs.useLargeDeviceRange=true offers 52 names"));
}

std::string EbsDriver::attachUnderLock(const sdk::Call &call, const Self &me,
                                       const std::string &volumeId, std::string const &hintIn) {
  std::lock_guard<std::mutex> guard(_attachMu);
  std::string hint = hintIn;
  bool refreshed = false;
  std::set<std::string> used = usedDeviceNames(call, me, false);
  std::vector<std::string> refused;
  for (size_t tries = 0; tries <= _names.candidates().size() + 1; ++tries) {
    auto device = _names.choose(used, hint, now());
    hint.clear();
    if (!device) {
      if (!refreshed) {
        refreshed = true;
        used = usedDeviceNames(call, me, true);
        for (const auto &r : refused) used.insert(r);
        continue;
      }
      break;
    }
    try {
      ec2(call).call(call, "AttachVolume",
                     {{"Device", *device}, {"InstanceId", me.instanceId}, {"VolumeId", volumeId}});
      _assigned[*device] = {volumeId, now()};
      _mappingNames.insert(*device);
      return *device;
    } catch (const Ec2Error &e) {
      if (e.code() != "InvalidParameterValue" ||
          !text::contains(text::lower(e.ec2Message()), "already in use"))
        throw;
      // A phantom or racing user of the name (pain point #1): skip it for a
      // while and try the next one.
      host().warn("ebs: device name " + *device + " is already in use on " + me.instanceId + " (" +
                  e.ec2Message() + "); trying the next name");
      _names.poison(*device, now() + kPoisonMs);
      used.insert(*device);
      refused.push_back(*device);
      if (!refreshed) {
        refreshed = true;
        for (const auto &n : usedDeviceNames(call, me, true)) used.insert(n);
      }
    }
  }
  throw Error(RXR_E_BUSY,
              "ebs: no free device name to attach " + volumeId + " to " + me.instanceId +
                  ": every one of " + _names.candidates().front() + "…" +
                  _names.candidates().back() + " is in use or recently failed" +
                  (refused.empty() ? "" : " (refused by EC2: " + text::join(refused, ", ") + ")") +
                  (_settings.useLargeDeviceRange
                       ? std::string()
                       : "; ebs.useLargeDeviceRange=true offers 52 names"));
}

void EbsDriver::forceDetachFromOther(const sdk::Call &call, const Ec2Volume &v,
                                     const Ec2Attachment &a) {
  host().warn("ebs: volume " + v.id + " is attached to instance " + a.instanceId + " as " +
              a.device + "; force-detaching it to attach here (preempt)");
  try {
    ec2(call).call(call, "DetachVolume", {{"VolumeId", v.id}, {"Force", "true"}});
  } catch (const Ec2Error &e) {
    if (e.code() != "IncorrectState" && e.code() != "InvalidAttachment.NotFound") throw;
  }
  forget(v.id);
}

std::string EbsDriver::attachToOther(const sdk::Call &call, const sdk::AttachOptions &o,
                                     const std::string &instanceId) {
  const std::string &id = o.volumeId;
  if (!plausibleInstanceId(instanceId))
    throw Error(RXR_E_NOT_FOUND, "ebs: " + q(instanceId) +
                                     " is not an EC2 instance id (expected i- and hex digits)");
  std::optional<Ec2Instance> it;
  try {
    it = describeInstance(call, instanceId);
  } catch (const Ec2Error &e) {
    if (e.status() == RXR_E_NOT_FOUND || e.code() == "InvalidInstanceID.Malformed")
      throw Error(RXR_E_NOT_FOUND, "ebs: instance " + instanceId + " not found in region " +
                                       ec2(call).region() + ": " + e.what());
    throw;
  }
  if (!it || it->state == "terminated" || it->state == "shutting-down")
    throw Error(RXR_E_NOT_FOUND,
                "ebs: instance " + instanceId + " not found in region " + ec2(call).region());
  Ec2Volume v = requireVolume(call, id, false);
  if (const Ec2Attachment *a = holder(v)) {
    if (a->instanceId == instanceId) {
      if (a->status != "attached")
        waitVolume(call, id, "attach to " + instanceId, [&](const std::optional<Ec2Volume> &x) {
          const Ec2Attachment *h = x ? holder(*x) : nullptr;
          return h && h->instanceId == instanceId && h->status == "attached";
        });
      return makeToken(DeviceNames::normalize(a->device), id);
    }
    throw Error(RXR_E_BUSY, "ebs: volume " + id + " is attached to instance " + a->instanceId +
                                " as " + a->device + " (" + a->status + ")");
  }
  if (v.status != "available")
    throw Error(RXR_E_BUSY, "ebs: volume " + id + " cannot be attached in state " + q(v.status));
  if (!it->availabilityZone.empty() && !v.availabilityZone.empty() &&
      v.availabilityZone != it->availabilityZone)
    throw Error(RXR_E_INVALID, "ebs: volume " + id + " is in " + v.availabilityZone +
                                   " but instance " + instanceId + " is in " +
                                   it->availabilityZone +
                                   "; EBS volumes attach only within their zone");
  std::set<std::string> used;
  for (const auto &bd : it->blockDevices) used.insert(DeviceNames::normalize(bd.deviceName));
  for (const auto &device : _names.candidates()) {
    if (used.count(device)) continue;
    try {
      ec2(call).call(call, "AttachVolume",
                     {{"Device", device}, {"InstanceId", instanceId}, {"VolumeId", id}});
    } catch (const Ec2Error &e) {
      if (e.code() == "InvalidParameterValue" &&
          text::contains(text::lower(e.ec2Message()), "already in use"))
        continue; // a name the mapping did not show yet: the next one
      throw;
    }
    forget(id);
    host().info("ebs: attaching volume " + id + " to instance " + instanceId + " as " + device);
    waitVolume(call, id, "attach to " + instanceId + " as " + device,
               [&](const std::optional<Ec2Volume> &x) {
                 if (!x)
                   throw Error(RXR_E_NOT_FOUND, "ebs: volume " + id + " vanished while attaching");
                 const Ec2Attachment *h = holder(*x);
                 return h && h->instanceId == instanceId && h->status == "attached";
               });
    return makeToken(device, id);
  }
  throw Error(RXR_E_EXHAUSTED, "ebs: no free device name on instance " + instanceId +
                                   " to attach " + id + ": every one of " +
                                   _names.candidates().front() + "…" + _names.candidates().back() +
                                   " is in use");
}

std::string EbsDriver::attachVolume(const sdk::Call &call, const sdk::AttachOptions &o) {
  const std::string &id = o.volumeId;
  requireVolumeId(id);
  const Self me = self(call);
  if (!o.instanceId.empty() && o.instanceId != me.instanceId)
    return attachToOther(call, o, o.instanceId);
  Ec2Volume v = requireVolume(call, id, true);
  auto detached = [](const std::optional<Ec2Volume> &x) { return !x || !anyAttachment(*x); };
  // After a wait the volume is looked at again (it may be gone).
  auto settled = [&](const std::optional<Ec2Volume> &x) {
    return x ? *x : requireVolume(call, id, false);
  };

  for (int pass = 0; pass < 4; ++pass) {
    const Ec2Attachment *a = anyAttachment(v);
    if (a && a->instanceId == me.instanceId && a->status == "attached")
      return makeToken(DeviceNames::normalize(a->device), id);
    if (a && a->status == "detaching") {
      v = settled(waitVolume(call, id, "finish detaching", detached));
      continue;
    }
    std::string device;
    if (a && a->instanceId == me.instanceId) {
      device = DeviceNames::normalize(a->device); // attaching here already: wait for it below
    } else if (a) {
      if (!o.force)
        throw Error(RXR_E_BUSY, "ebs: volume " + id + " is attached to instance " + a->instanceId +
                                    " as " + a->device + " (" + a->status +
                                    "); attach with force to take it over");
      forceDetachFromOther(call, v, *a);
      v = settled(waitVolume(call, id, "detach from instance " + a->instanceId, detached));
      continue;
    } else {
      if (v.status == "creating") {
        v = settled(waitVolume(call, id, "become available", [](const std::optional<Ec2Volume> &x) {
          return x && x->status != "creating";
        }));
        continue;
      }
      if (v.status != "available")
        throw Error(RXR_E_BUSY,
                    "ebs: volume " + id + " cannot be attached in state " + q(v.status));
      if (!me.availabilityZone.empty() && !v.availabilityZone.empty() &&
          v.availabilityZone != me.availabilityZone)
        throw Error(RXR_E_INVALID, "ebs: volume " + id + " is in " + v.availabilityZone +
                                       " but instance " + me.instanceId + " is in " +
                                       me.availabilityZone +
                                       "; EBS volumes attach only within their zone (snapshot it "
                                       "and restore the snapshot here)");
      try {
        device = attachUnderLock(call, me, id, o.nextDevice);
      } catch (const Ec2Error &e) {
        if ((e.code() == "VolumeInUse" || e.code() == "IncorrectState") && pass < 3) {
          forget(id);
          v = requireVolume(call, id, false);
          continue;
        }
        throw;
      }
      forget(id);
      host().info("ebs: attaching volume " + id + " to " + me.instanceId + " as " + device);
    }

    // Wait for "attached", but give up early enough to clean up and report
    // before the host's deadline: a stuck attach (pain point #2) must end in a
    // clear error, not a hang.
    const int64_t remaining = call.remainingMs();
    const int64_t reserve = std::clamp<int64_t>(remaining / 7, 300, 3000);
    const int64_t stopAt = call.hasDeadline() ? call.deadlineMonoMs() - reserve : 0;
    const int64_t start = now();
    try {
      waitVolume(
          call, id, "attach to " + me.instanceId + " as " + device,
          [&](const std::optional<Ec2Volume> &x) {
            if (!x) throw Error(RXR_E_NOT_FOUND, "ebs: volume " + id + " vanished while attaching");
            for (const auto &att : x->attachments) {
              if (att.instanceId == me.instanceId && att.status == "attached") return true;
              if (att.instanceId != me.instanceId &&
                  (att.status == "attaching" || att.status == "attached"))
                throw Error(RXR_E_BUSY, "ebs: volume " + id + " was attached to instance " +
                                            att.instanceId + " while we attached it");
            }
            return false;
          },
          stopAt,
          // The device showing up locally (our serial, or the name we
          // were granted appearing) proves the attachment: no need to
          // ask EC2 again.
          [&] { return _locator.locate(id, device).has_value(); });
    } catch (const Error &e) {
      if (e.status() != RXR_E_TIMEOUT) throw;
      {
        std::lock_guard<std::mutex> guard(_attachMu);
        _names.poison(device, now() + kPoisonMs);
      }
      std::string cleanup = "asked EC2 to force-detach it";
      try {
        ec2(call).call(call, "DetachVolume", {{"VolumeId", id}, {"Force", "true"}});
      } catch (const std::exception &de) {
        cleanup = std::string("force-detaching it failed too: ") + de.what();
      }
      forget(id);
      throw Error(RXR_E_TIMEOUT, "ebs: attaching volume " + id + " to instance " + me.instanceId +
                                     " as " + device + " is stuck: gave up after " +
                                     sinceText(start) + ", before the call's deadline; " + cleanup +
                                     "; " + device + " will not be used again for " +
                                     text::describeMs(kPoisonMs) + ". " + e.what());
    }
    return makeToken(device, id);
  }
  throw Error(RXR_E_BUSY, "ebs: volume " + id +
                              " kept changing state while attaching; last seen: " + stateOf(v));
}

void EbsDriver::detachVolume(const sdk::Call &call, const std::string &id, bool force) {
  const Ec2Volume v = requireVolume(call, id, true);
  const Ec2Attachment *a = anyAttachment(v);
  if (!a) {
    forgetDevice(id);
    return; // already detached: nothing to do
  }
  if (a->status != "detaching") {
    try {
      ec2(call).call(call, "DetachVolume", {{"VolumeId", id}, {"Force", force ? "true" : "false"}});
    } catch (const Ec2Error &e) {
      // Detached meanwhile.
      if (e.code() != "IncorrectState" && e.code() != "InvalidAttachment.NotFound") throw;
    }
    host().info("ebs: detaching volume " + id + " from " + a->instanceId +
                (force ? " (forced)" : ""));
  }
  forget(id);
  waitVolume(call, id, "detach from " + a->instanceId,
             [](const std::optional<Ec2Volume> &x) { return !x || !anyAttachment(*x); });
  forgetDevice(id);
}

std::string EbsDriver::waitForDevice(const sdk::Call &call, const std::string &volumeId,
                                     const std::string &token) {
  auto [device, tokenVolume] = parseToken(token);
  if (!volumeId.empty() && !tokenVolume.empty() && volumeId != tokenVolume)
    throw Error(RXR_E_INVALID, "ebs: attach token " + q(token) + " belongs to volume " +
                                   tokenVolume + ", not " + volumeId);
  const std::string vol = volumeId.empty() ? tokenVolume : volumeId;
  if (vol.empty())
    throw Error(RXR_E_INVALID,
                "ebs: cannot identify a device without the volume id (token " + q(token) + ")");
  const int64_t start = now();
  const int64_t stop = call.hasDeadline() ? call.deadlineMonoMs() : start + kDefaultDeviceWaitMs;
  for (;;) {
    if (auto found = _locator.locate(vol, device)) {
      host().debug("ebs: volume " + vol + " is " + found->path + " (by " + found->how + ")");
      return found->path;
    }
    const int64_t left = stop - now();
    if (left <= 0) break;
    sleepMs(std::min(kDevicePollMs, left));
  }
  throw Error(RXR_E_TIMEOUT, "ebs: volume " + vol + " (attached as " +
                                 (device.empty() ? std::string("?") : device) +
                                 ") did not show up as a local device within " + sinceText(start) +
                                 ": " + _locator.describeMiss(vol, device));
}

// ---- snapshots --------------------------------------------------------------

std::vector<sdk::Snapshot> EbsDriver::snapshots(const sdk::Call &call,
                                                const std::string &volumeId) {
  Filters filters;
  if (!volumeId.empty()) {
    requireVolumeId(volumeId);
    filters.push_back({"volume-id", {volumeId}});
  }
  if (!_settings.tag.empty()) filters.push_back({"tag:Name", {escapeFilter(_settings.tag) + "/*"}});
  std::vector<sdk::Snapshot> out;
  for (const auto &s : describeSnapshots(call, ec2(call), filters)) {
    auto name = nameFromTag(s.tag("Name"));
    if (!name) continue;
    out.push_back(toSnapshot(s, *name));
  }
  return out;
}

sdk::Snapshot EbsDriver::createSnapshot(const sdk::Call &call, const std::string &volumeId,
                                        const std::string &name, const std::string &description) {
  const Ec2Volume v = requireVolume(call, volumeId, false);
  const std::string volumeName = *nameFromTag(v.tag("Name"));
  const std::string snapName =
      name.empty() ? (volumeName.empty() ? v.id : volumeName) + "-snapshot" : name;
  support::Headers params = {
      {"VolumeId", v.id},
      {"Description", description.empty()
                          ? "rexray snapshot of " + (volumeName.empty() ? v.id : volumeName)
                          : description}};
  addNameTag(params, "snapshot", nameTagFor(snapName));
  Ec2Client &client = ec2(call);
  Ec2Snapshot s;
  try {
    s = xml::parseCreateSnapshot(client.call(call, "CreateSnapshot", params));
  } catch (const std::runtime_error &e) {
    if (dynamic_cast<const sdk::Error *>(&e)) throw;
    throw Error(RXR_E_BACKEND,
                std::string("ebs: EC2 CreateSnapshot: unreadable reply: ") + e.what());
  }
  host().info("ebs: snapshot " + s.id + " (" + nameTagFor(snapName) + ") of volume " + v.id);
  s = waitSnapshot(call, client, s.id, true);
  return toSnapshot(s, snapName);
}

void EbsDriver::removeSnapshot(const sdk::Call &call, const std::string &id) {
  Ec2Client &client = ec2(call);
  requireSnapshot(call, client, id);
  try {
    client.call(call, "DeleteSnapshot", {{"SnapshotId", id}});
  } catch (const Ec2Error &e) {
    if (e.code() == "InvalidSnapshot.NotFound")
      throw Error(RXR_E_NOT_FOUND, "ebs: snapshot " + id + " not found: " + e.what());
    throw;
  }
  host().info("ebs: deleted snapshot " + id);
}

sdk::Snapshot EbsDriver::copySnapshot(const sdk::Call &call, const std::string &id,
                                      const std::string &destName, const std::string &destRegion) {
  Ec2Client &source = ec2(call);
  const Ec2Snapshot s = requireSnapshot(call, source, id);
  const std::string sourceRegion = source.region();
  const std::string region = destRegion.empty() ? sourceRegion : destRegion;
  Ec2Client &dest = ec2For(call, region);
  const std::string name = destName.empty() ? nameFromTag(s.tag("Name")).value_or(id) : destName;
  const std::string description = "Copy of " + id + " from " + sourceRegion +
                                  (s.description.empty() ? "" : ": " + s.description);

  // Sent to the destination region (specs/ec2-ebs.md §3). Across regions the
  // SDKs add DestinationRegion and a URL presigned for the source region,
  // which AWS needs for encrypted snapshots.
  support::Headers params = {
      {"SourceRegion", sourceRegion}, {"SourceSnapshotId", id}, {"Description", description}};
  if (region != sourceRegion) {
    params.emplace_back("DestinationRegion", region);
    const Credentials creds = source.credentials().get(call);
    support::Headers presign = {{"Action", "CopySnapshot"},     {"Version", Ec2Client::kVersion},
                                {"SourceRegion", sourceRegion}, {"SourceSnapshotId", id},
                                {"Description", description},   {"DestinationRegion", region}};
    params.emplace_back(
        "PresignedUrl",
        sigv4::presignUrl(source.endpoint().origin, source.endpoint().hostHeader, presign,
                          {creds.accessKeyId, creds.secretAccessKey, creds.sessionToken},
                          sourceRegion, "ec2", sigv4::amzDate(std::time(nullptr)),
                          kPresignExpirySeconds));
  }
  addNameTag(params, "snapshot", nameTagFor(name));
  std::string newId;
  try {
    newId = xml::parseCopySnapshot(callWhileSnapshotPending(call, dest, "CopySnapshot", params));
  } catch (const std::runtime_error &e) {
    if (dynamic_cast<const sdk::Error *>(&e)) throw;
    throw Error(RXR_E_BACKEND, std::string("ebs: EC2 CopySnapshot: unreadable reply: ") + e.what());
  }
  host().info("ebs: copying snapshot " + id + " (" + sourceRegion + ") to " + newId + " (" +
              region + ") as " + nameTagFor(name));
  const Ec2Snapshot copy = waitSnapshot(call, dest, newId, true);
  return toSnapshot(copy, name);
}

} // namespace rexray::ebs
