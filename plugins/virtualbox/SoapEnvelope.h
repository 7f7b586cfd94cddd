#ifndef REXRAY_VIRTUALBOX_SOAPENVELOPE_H
#define REXRAY_VIRTUALBOX_SOAPENVELOPE_H

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rexray::virtualbox {

// SOAP 1.1 document/literal as vboxwebsrv speaks it (specs/virtualbox-soap.md §1):
// the request is <Interface_method> in the VirtualBox namespace with one child
// per argument; the reply is <Interface_methodResponse> with zero or more
// <returnval> children, or a SOAP fault.

constexpr const char kSoapEnvelopeNs[] = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr const char kVboxNs[] = "http://www.virtualbox.org/";

// One parsed XML element: namespace URI, local name, concatenated character
// data and child elements.
struct XmlNode {
  std::string ns, name, text;
  std::vector<XmlNode> children;

  // The first child with this local name, or nullptr.
  const XmlNode *child(const std::string &localName) const;
  // That child's text, "" when absent.
  std::string childText(const std::string &localName) const;
};

// Parses a document into its root element. Throws std::runtime_error on
// malformed XML. Entities other than the predefined ones are not expanded.
XmlNode parseXml(const std::string &document);

// Escapes &, <, >, " and ' for element content and attribute values.
std::string xmlEscape(const std::string &text);

// Request arguments, in order. A name may repeat (arrays such as `variant`).
using SoapArgs = std::vector<std::pair<std::string, std::string>>;

// The request body for `method` (e.g. "IMachine_attachDevice"), in the default-
// namespace style REX-Ray sends: the envelope and body in the SOAP namespace,
// the method element declaring the VirtualBox namespace so its children are
// qualified too. Every argument is sent, empty ones as empty elements.
std::string buildRequest(const std::string &method, const SoapArgs &args);

// A SOAP fault as vboxwebsrv raises them.
struct SoapFault {
  enum class Kind {
    Runtime,       // <vbox:RuntimeFault>: a COM error; resultCode is its HRESULT
    InvalidObject, // <vbox:InvalidObjectFault>: unknown / expired object reference
    Other          // any other fault (bad credentials, malformed request)
  };
  Kind kind = Kind::Other;
  std::string faultCode, faultString;
  int32_t resultCode = 0;  // RuntimeFault: the HRESULT (signed, as on the wire)
  std::string errorInfo;   // RuntimeFault: IVirtualBoxErrorInfo reference, may be ""
  std::string badObjectId; // InvalidObjectFault
};

// A reply that is neither the expected response nor a SOAP fault.
class SoapProtocolError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// The outcome of one call: the response's <returnval> elements, or a fault.
struct SoapReply {
  std::vector<XmlNode> returnvals;
  std::optional<SoapFault> fault;
  bool emptyBody = false; // the HTTP body was empty
};

// Parses an HTTP reply body to a call of `method`. An empty body gives an
// empty reply with emptyBody set (REX-Ray's Go client took it as success; the
// caller decides). Throws
// SoapProtocolError when the body is not XML, has no Body, or answers another
// method.
SoapReply parseReply(const std::string &method, const std::string &body);

} // namespace rexray::virtualbox

#endif // REXRAY_VIRTUALBOX_SOAPENVELOPE_H
