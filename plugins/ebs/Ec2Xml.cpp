#include "Ec2Xml.h"

#include "Text.h"

#include <Poco/AutoPtr.h>
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/DOM/Element.h>
#include <Poco/DOM/Node.h>
#include <Poco/Exception.h>
#include <Poco/SAX/XMLReader.h>

#include <stdexcept>

namespace rexray::ebs::xml {

namespace {

using Poco::XML::Element;
using Poco::XML::Node;

// Keeps the document alive while its elements are used.
struct Parsed {
  Poco::AutoPtr<Poco::XML::Document> doc;
  const Element *root = nullptr;
};

Parsed parse(const std::string &body) {
  Poco::XML::DOMParser parser;
  parser.setFeature(Poco::XML::XMLReader::FEATURE_NAMESPACES, true);
  parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_GENERAL_ENTITIES, false);
  parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_PARAMETER_ENTITIES, false);
  Parsed p;
  try {
    p.doc = parser.parseString(body);
  } catch (const Poco::Exception &e) {
    throw std::runtime_error("the reply is not XML: " + e.displayText());
  }
  p.root = p.doc ? p.doc->documentElement() : nullptr;
  if (!p.root) throw std::runtime_error("the reply is an empty XML document");
  return p;
}

std::string nameOf(const Node *n) {
  std::string local = n->localName();
  return local.empty() ? n->nodeName() : local;
}

const Element *child(const Element *parent, const std::string &name) {
  if (!parent) return nullptr;
  for (Node *n = parent->firstChild(); n; n = n->nextSibling())
    if (n->nodeType() == Node::ELEMENT_NODE && nameOf(n) == name)
      return static_cast<const Element *>(n);
  return nullptr;
}

std::vector<const Element *> children(const Element *parent, const std::string &name) {
  std::vector<const Element *> out;
  if (!parent) return out;
  for (Node *n = parent->firstChild(); n; n = n->nextSibling())
    if (n->nodeType() == Node::ELEMENT_NODE && nameOf(n) == name)
      out.push_back(static_cast<const Element *>(n));
  return out;
}

// The <item>s of <setName> under parent.
std::vector<const Element *> items(const Element *parent, const std::string &setName) {
  return children(child(parent, setName), "item");
}

std::string str(const Element *parent, const std::string &name) {
  const Element *e = child(parent, name);
  return e ? text::trim(e->innerText()) : std::string();
}

int64_t integer(const Element *parent, const std::string &name) {
  return text::parseInt(str(parent, name)).value_or(0);
}

bool boolean(const Element *parent, const std::string &name) {
  return text::parseBool(str(parent, name)).value_or(false);
}

int64_t time(const Element *parent, const std::string &name) {
  return text::parseIso8601(str(parent, name)).value_or(0);
}

std::map<std::string, std::string> tags(const Element *parent) {
  std::map<std::string, std::string> out;
  for (const Element *item : items(parent, "tagSet")) out[str(item, "key")] = str(item, "value");
  return out;
}

Ec2Attachment attachment(const Element *e) {
  Ec2Attachment a;
  a.volumeId = str(e, "volumeId");
  a.instanceId = str(e, "instanceId");
  a.device = str(e, "device");
  a.status = str(e, "status");
  a.attachTime = time(e, "attachTime");
  a.deleteOnTermination = boolean(e, "deleteOnTermination");
  return a;
}

Ec2Volume volume(const Element *e) {
  Ec2Volume v;
  v.id = str(e, "volumeId");
  v.sizeGiB = integer(e, "size");
  v.snapshotId = str(e, "snapshotId");
  v.availabilityZone = str(e, "availabilityZone");
  v.status = str(e, "status");
  v.createTime = time(e, "createTime");
  v.type = str(e, "volumeType");
  v.iops = integer(e, "iops");
  v.throughput = integer(e, "throughput");
  v.encrypted = boolean(e, "encrypted");
  v.kmsKeyId = str(e, "kmsKeyId");
  for (const Element *item : items(e, "attachmentSet")) v.attachments.push_back(attachment(item));
  v.tags = tags(e);
  return v;
}

Ec2Snapshot snapshot(const Element *e) {
  Ec2Snapshot s;
  s.id = str(e, "snapshotId");
  s.volumeId = str(e, "volumeId");
  s.status = str(e, "status");
  s.statusMessage = str(e, "statusMessage");
  s.startTime = time(e, "startTime");
  s.progress = str(e, "progress");
  s.ownerId = str(e, "ownerId");
  s.volumeSizeGiB = integer(e, "volumeSize");
  s.description = str(e, "description");
  s.encrypted = boolean(e, "encrypted");
  s.kmsKeyId = str(e, "kmsKeyId");
  s.tags = tags(e);
  return s;
}

void expectRoot(const Parsed &p, const std::string &name) {
  if (nameOf(p.root) != name)
    throw std::runtime_error("expected <" + name + ">, got <" + nameOf(p.root) + ">");
}

} // namespace

VolumePage parseDescribeVolumes(const std::string &body) {
  const Parsed p = parse(body);
  expectRoot(p, "DescribeVolumesResponse");
  VolumePage page;
  for (const Element *item : items(p.root, "volumeSet")) page.volumes.push_back(volume(item));
  page.nextToken = str(p.root, "nextToken");
  return page;
}

Ec2Volume parseCreateVolume(const std::string &body) {
  const Parsed p = parse(body);
  expectRoot(p, "CreateVolumeResponse");
  Ec2Volume v = volume(p.root);
  if (v.id.empty()) throw std::runtime_error("CreateVolume reply has no volumeId");
  return v;
}

SnapshotPage parseDescribeSnapshots(const std::string &body) {
  const Parsed p = parse(body);
  expectRoot(p, "DescribeSnapshotsResponse");
  SnapshotPage page;
  for (const Element *item : items(p.root, "snapshotSet")) page.snapshots.push_back(snapshot(item));
  page.nextToken = str(p.root, "nextToken");
  return page;
}

Ec2Snapshot parseCreateSnapshot(const std::string &body) {
  const Parsed p = parse(body);
  expectRoot(p, "CreateSnapshotResponse");
  Ec2Snapshot s = snapshot(p.root);
  if (s.id.empty()) throw std::runtime_error("CreateSnapshot reply has no snapshotId");
  return s;
}

std::string parseCopySnapshot(const std::string &body) {
  const Parsed p = parse(body);
  expectRoot(p, "CopySnapshotResponse");
  std::string id = str(p.root, "snapshotId");
  if (id.empty()) throw std::runtime_error("CopySnapshot reply has no snapshotId");
  return id;
}

Ec2Attachment parseAttachment(const std::string &body) {
  const Parsed p = parse(body);
  const std::string root = nameOf(p.root);
  if (root != "AttachVolumeResponse" && root != "DetachVolumeResponse")
    throw std::runtime_error("expected an attachment, got <" + root + ">");
  return attachment(p.root);
}

std::vector<Ec2Instance> parseDescribeInstances(const std::string &body) {
  const Parsed p = parse(body);
  expectRoot(p, "DescribeInstancesResponse");
  std::vector<Ec2Instance> out;
  for (const Element *reservation : items(p.root, "reservationSet")) {
    for (const Element *e : items(reservation, "instancesSet")) {
      Ec2Instance i;
      i.id = str(e, "instanceId");
      i.availabilityZone = str(child(e, "placement"), "availabilityZone");
      i.state = str(child(e, "instanceState"), "name");
      for (const Element *bd : items(e, "blockDeviceMapping")) {
        Ec2BlockDevice d;
        d.deviceName = str(bd, "deviceName");
        d.volumeId = str(child(bd, "ebs"), "volumeId");
        d.status = str(child(bd, "ebs"), "status");
        i.blockDevices.push_back(d);
      }
      out.push_back(i);
    }
  }
  return out;
}

std::optional<Ec2ErrorReply> parseError(const std::string &body) {
  if (text::trim(body).empty()) return std::nullopt;
  Parsed p;
  try {
    p = parse(body);
  } catch (const std::runtime_error &) {
    return std::nullopt;
  }
  const Element *error = nullptr;
  const std::string root = nameOf(p.root);
  if (root == "Response")
    error = child(child(p.root, "Errors"), "Error");
  else if (root == "ErrorResponse")
    error = child(p.root, "Error");
  else if (root == "Error")
    error = p.root;
  if (!error) return std::nullopt;
  Ec2ErrorReply r;
  r.code = str(error, "Code");
  r.message = str(error, "Message");
  r.requestId = str(p.root, "RequestID");
  if (r.requestId.empty()) r.requestId = str(p.root, "RequestId");
  if (r.code.empty()) return std::nullopt;
  return r;
}

} // namespace rexray::ebs::xml
