#include "SoapEnvelope.h"

#include <Poco/Exception.h>
#include <Poco/SAX/Attributes.h>
#include <Poco/SAX/ContentHandler.h>
#include <Poco/SAX/InputSource.h>
#include <Poco/SAX/SAXException.h>
#include <Poco/SAX/SAXParser.h>

#include <cstdlib>
#include <sstream>

namespace rexray::virtualbox {

namespace {

// Builds an XmlNode tree from SAX events.
class TreeBuilder : public Poco::XML::ContentHandler {
public:
  XmlNode root;
  bool haveRoot = false;

  void setDocumentLocator(const Poco::XML::Locator *) override {}
  void startDocument() override {}
  void endDocument() override {}
  void startElement(const Poco::XML::XMLString &uri, const Poco::XML::XMLString &localName,
                    const Poco::XML::XMLString &qname, const Poco::XML::Attributes &) override {
    XmlNode node;
    node.ns = uri;
    node.name = localName.empty() ? stripPrefix(qname) : localName;
    if (_path.empty()) {
      root = std::move(node);
      haveRoot = true;
      _path.push_back(&root);
    } else {
      _path.back()->children.push_back(std::move(node));
      _path.push_back(&_path.back()->children.back());
    }
  }
  void endElement(const Poco::XML::XMLString &, const Poco::XML::XMLString &,
                  const Poco::XML::XMLString &) override {
    if (!_path.empty()) _path.pop_back();
  }
  void characters(const Poco::XML::XMLChar ch[], int start, int length) override {
    if (!_path.empty()) _path.back()->text.append(ch + start, static_cast<size_t>(length));
  }
  void ignorableWhitespace(const Poco::XML::XMLChar[], int, int) override {}
  void processingInstruction(const Poco::XML::XMLString &, const Poco::XML::XMLString &) override {}
  void startPrefixMapping(const Poco::XML::XMLString &, const Poco::XML::XMLString &) override {}
  void endPrefixMapping(const Poco::XML::XMLString &) override {}
  void skippedEntity(const Poco::XML::XMLString &) override {}

private:
  static std::string stripPrefix(const std::string &qname) {
    const auto colon = qname.find(':');
    return colon == std::string::npos ? qname : qname.substr(colon + 1);
  }
  // Pointers stay valid: a node's children only grow while it is the
  // innermost open element, and nothing above it changes meanwhile.
  std::vector<XmlNode *> _path;
};

std::string trim(const std::string &s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

SoapFault parseFault(const XmlNode &fault) {
  SoapFault f;
  f.faultCode = trim(fault.childText("faultcode"));
  f.faultString = trim(fault.childText("faultstring"));
  const XmlNode *detail = fault.child("detail");
  if (!detail) return f;
  if (const XmlNode *rt = detail->child("RuntimeFault")) {
    f.kind = SoapFault::Kind::Runtime;
    const std::string code = trim(rt->childText("resultCode"));
    if (!code.empty()) {
      // Signed decimal on the wire; tolerate the unsigned spelling as well.
      char *end = nullptr;
      const long long v = std::strtoll(code.c_str(), &end, 0);
      if (end && *end == '\0') f.resultCode = static_cast<int32_t>(static_cast<uint32_t>(v));
    }
    f.errorInfo = trim(rt->childText("returnval"));
  } else if (const XmlNode *io = detail->child("InvalidObjectFault")) {
    f.kind = SoapFault::Kind::InvalidObject;
    f.badObjectId = trim(io->childText("badObjectID"));
  }
  return f;
}

} // namespace

const XmlNode *XmlNode::child(const std::string &localName) const {
  for (const auto &c : children)
    if (c.name == localName) return &c;
  return nullptr;
}

std::string XmlNode::childText(const std::string &localName) const {
  const XmlNode *c = child(localName);
  return c ? c->text : std::string();
}

XmlNode parseXml(const std::string &document) {
  TreeBuilder builder;
  Poco::XML::SAXParser parser;
  parser.setFeature(Poco::XML::XMLReader::FEATURE_NAMESPACES, true);
  parser.setFeature(Poco::XML::XMLReader::FEATURE_NAMESPACE_PREFIXES, false);
  parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_GENERAL_ENTITIES, false);
  parser.setFeature(Poco::XML::XMLReader::FEATURE_EXTERNAL_PARAMETER_ENTITIES, false);
  parser.setContentHandler(&builder);
  try {
    std::istringstream in(document);
    Poco::XML::InputSource source(in);
    parser.parse(&source);
  } catch (const Poco::Exception &e) {
    throw std::runtime_error("malformed XML: " + e.displayText());
  }
  if (!builder.haveRoot) throw std::runtime_error("malformed XML: no root element");
  return std::move(builder.root);
}

std::string xmlEscape(const std::string &text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&apos;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string buildRequest(const std::string &method, const SoapArgs &args) {
  std::string out;
  out.reserve(256 + method.size() * 2 + args.size() * 64);
  out += "<Envelope xmlns=\"";
  out += kSoapEnvelopeNs;
  out += "\"><Body xmlns=\"";
  out += kSoapEnvelopeNs;
  out += "\"><";
  out += method;
  out += " xmlns=\"";
  out += kVboxNs;
  out += "\">";
  for (const auto &[name, value] : args) {
    out += '<';
    out += name;
    out += '>';
    out += xmlEscape(value);
    out += "</";
    out += name;
    out += '>';
  }
  out += "</";
  out += method;
  out += "></Body></Envelope>";
  return out;
}

SoapReply parseReply(const std::string &method, const std::string &body) {
  SoapReply reply;
  if (trim(body).empty()) {
    reply.emptyBody = true;
    return reply;
  }
  XmlNode root;
  try {
    root = parseXml(body);
  } catch (const std::exception &e) {
    throw SoapProtocolError(std::string("reply to ") + method + " is not XML: " + e.what());
  }
  if (root.name != "Envelope" || root.ns != kSoapEnvelopeNs)
    throw SoapProtocolError("reply to " + method + " is not a SOAP 1.1 envelope (root <" +
                            root.name + "> in namespace '" + root.ns + "')");
  const XmlNode *soapBody = nullptr;
  for (const auto &c : root.children)
    if (c.name == "Body" && c.ns == kSoapEnvelopeNs) soapBody = &c;
  if (!soapBody) throw SoapProtocolError("reply to " + method + " has no SOAP Body");
  for (const auto &c : soapBody->children) {
    if (c.name == "Fault" && c.ns == kSoapEnvelopeNs) {
      reply.fault = parseFault(c);
      return reply;
    }
  }
  const std::string expected = method + "Response";
  for (const auto &c : soapBody->children) {
    if (c.name != expected) continue;
    if (c.ns != kVboxNs)
      throw SoapProtocolError("reply element <" + expected + "> is in namespace '" + c.ns +
                              "', not " + kVboxNs);
    for (const auto &v : c.children)
      if (v.name == "returnval") reply.returnvals.push_back(v);
    return reply;
  }
  std::string got = soapBody->children.empty() ? "nothing" : "<" + soapBody->children[0].name + ">";
  throw SoapProtocolError("reply to " + method + " holds " + got + ", not <" + expected + ">");
}

} // namespace rexray::virtualbox
