#include "VboxErrors.h"

#include <cctype>
#include <cstdio>

namespace rexray::virtualbox {

const char *hresultName(uint32_t code) {
  switch (code) {
  case hresult::kObjectNotFound: return "VBOX_E_OBJECT_NOT_FOUND";
  case hresult::kInvalidVmState: return "VBOX_E_INVALID_VM_STATE";
  case hresult::kVmError: return "VBOX_E_VM_ERROR";
  case hresult::kFileError: return "VBOX_E_FILE_ERROR";
  case hresult::kIprtError: return "VBOX_E_IPRT_ERROR";
  case hresult::kPdmError: return "VBOX_E_PDM_ERROR";
  case hresult::kInvalidObjectState: return "VBOX_E_INVALID_OBJECT_STATE";
  case hresult::kHostError: return "VBOX_E_HOST_ERROR";
  case hresult::kNotSupported: return "VBOX_E_NOT_SUPPORTED";
  case hresult::kXmlError: return "VBOX_E_XML_ERROR";
  case hresult::kInvalidSessionState: return "VBOX_E_INVALID_SESSION_STATE";
  case hresult::kObjectInUse: return "VBOX_E_OBJECT_IN_USE";
  case hresult::kAccessDenied: return "E_ACCESSDENIED";
  case hresult::kInvalidArg: return "E_INVALIDARG";
  case hresult::kFail: return "E_FAIL";
  case hresult::kNotImpl: return "E_NOTIMPL";
  default: return "";
  }
}

std::string describeHresult(uint32_t code) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(code));
  const std::string name = hresultName(code);
  return name.empty() ? std::string(hex) : name + " " + hex;
}

namespace {

std::string faultSummary(const std::string &method, const SoapFault &f) {
  std::string s = f.faultString.empty() ? "SOAP fault " + f.faultCode : f.faultString;
  return method + ": " + s;
}

bool containsCaseless(const std::string &haystack, const std::string &needle) {
  auto lower = [](std::string s) {
    for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  return lower(haystack).find(lower(needle)) != std::string::npos;
}

} // namespace

VboxFault::VboxFault(std::string method, SoapFault fault)
    : std::runtime_error(faultSummary(method, fault)), _method(std::move(method)),
      _fault(std::move(fault)) {}

std::string VboxFault::detail() const {
  std::string text = _fault.faultString;
  if (text.empty()) text = "SOAP fault " + (_fault.faultCode.empty() ? "" : _fault.faultCode);
  if (isRuntime()) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(hresult()));
    // vboxwebsrv's faultstring usually carries the code already.
    if (!containsCaseless(text, hex + 2))
      text += " (" + describeHresult(hresult()) + ")";
    else if (*hresultName(hresult()))
      text += " [" + std::string(hresultName(hresult())) + "]";
  }
  return text;
}

rxr_status statusFor(const SoapFault &fault, bool duringLogon) {
  switch (fault.kind) {
  case SoapFault::Kind::InvalidObject: return RXR_E_BACKEND;
  case SoapFault::Kind::Other: return duringLogon ? RXR_E_AUTH : RXR_E_BACKEND;
  case SoapFault::Kind::Runtime: break;
  }
  switch (static_cast<uint32_t>(fault.resultCode)) {
  case hresult::kObjectNotFound: return RXR_E_NOT_FOUND;
  case hresult::kObjectInUse:
  case hresult::kInvalidObjectState:
  case hresult::kInvalidSessionState: return RXR_E_BUSY;
  case hresult::kInvalidArg: return RXR_E_INVALID;
  case hresult::kAccessDenied: return duringLogon ? RXR_E_AUTH : RXR_E_BACKEND;
  default: return duringLogon ? RXR_E_AUTH : RXR_E_BACKEND;
  }
}

sdk::Error toError(const VboxFault &fault, const std::string &context) {
  const bool logon = fault.method() == "IWebsessionManager_logon";
  return sdk::Error(statusFor(fault.fault(), logon),
                    context + ": " + fault.method() + " failed: " + fault.detail(),
                    fault.isRuntime() ? fault.fault().resultCode : 0);
}

} // namespace rexray::virtualbox
