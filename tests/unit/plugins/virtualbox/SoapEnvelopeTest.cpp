#include <doctest/doctest.h>

#include "VboxTestSupport.h"
#include "virtualbox/SoapEnvelope.h"
#include "virtualbox/VboxClient.h"

using namespace rexray::virtualbox;

TEST_CASE("virtualbox SOAP: request bytes match REX-Ray's default-namespace style") {
  // specs/virtualbox-soap.md §1, byte for byte.
  const std::string want =
      "<Envelope xmlns=\"http://schemas.xmlsoap.org/soap/envelope/\"><Body "
      "xmlns=\"http://schemas.xmlsoap.org/soap/envelope/\"><IMachine_attachDevice "
      "xmlns=\"http://www.virtualbox.org/\"><_this>8a3c1f0e2b4d6a59-0000000000000009</"
      "_this><name>SATA</name><controllerPort>2</controllerPort><type>HardDisk</"
      "type><medium>8a3c1f0e2b4d6a59-000000000000000c</medium></IMachine_attachDevice></Body></"
      "Envelope>";
  CHECK(buildRequest("IMachine_attachDevice", {{"_this", "8a3c1f0e2b4d6a59-0000000000000009"},
                                               {"name", "SATA"},
                                               {"controllerPort", "2"},
                                               {"type", "HardDisk"},
                                               {"medium", "8a3c1f0e2b4d6a59-000000000000000c"}}) ==
        want);
}

TEST_CASE("virtualbox SOAP: requests parse back with every child in the VirtualBox namespace") {
  const std::string body = buildRequest("IMedium_createBaseStorage", {{"_this", "a-1"},
                                                                      {"logicalSize", "1073741824"},
                                                                      {"variant", "Standard"},
                                                                      {"variant", "Fixed"},
                                                                      {"empty", ""}});
  const XmlNode root = parseXml(body);
  CHECK(root.ns == kSoapEnvelopeNs);
  const XmlNode *b = root.child("Body");
  REQUIRE(b != nullptr);
  REQUIRE(b->children.size() == 1);
  const XmlNode &m = b->children[0];
  CHECK(m.name == "IMedium_createBaseStorage");
  CHECK(m.ns == kVboxNs);
  REQUIRE(m.children.size() == 5);
  for (const auto &c : m.children) CHECK(c.ns == kVboxNs);
  CHECK(m.children[2].text == "Standard");
  CHECK(m.children[3].text == "Fixed");
  CHECK(m.children[4].name == "empty");
  CHECK(m.children[4].text.empty());
}

TEST_CASE("virtualbox SOAP: values are escaped") {
  CHECK(xmlEscape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
  const std::string body =
      buildRequest("IVirtualBox_createMedium", {{"location", "/v/<odd> & \"name\""}});
  CHECK(body.find("/v/&lt;odd&gt; &amp; &quot;name&quot;") != std::string::npos);
  const auto r = vboxtest::decode(body);
  CHECK(r.arg("location") == "/v/<odd> & \"name\"");
}

TEST_CASE("virtualbox SOAP: a gSOAP reply with several returnvals") {
  const std::string body = vboxtest::envelope(
      "<vbox:IVirtualBox_getHardDisksResponse><returnval>8a3c1f0e2b4d6a59-0000000000000003</"
      "returnval>\n  <returnval>8a3c1f0e2b4d6a59-0000000000000004</returnval>"
      "</vbox:IVirtualBox_getHardDisksResponse>");
  const SoapReply r = parseReply("IVirtualBox_getHardDisks", body);
  CHECK_FALSE(r.fault.has_value());
  REQUIRE(r.returnvals.size() == 2);
  CHECK(r.returnvals[0].text == "8a3c1f0e2b4d6a59-0000000000000003");
  CHECK(r.returnvals[1].text == "8a3c1f0e2b4d6a59-0000000000000004");
}

TEST_CASE("virtualbox SOAP: void replies, empty bodies, and replies in other prefixes") {
  auto r = parseReply("IMachine_saveSettings",
                      vboxtest::envelope("<vbox:IMachine_saveSettingsResponse/>"));
  CHECK(r.returnvals.empty());
  CHECK_FALSE(r.fault.has_value());
  CHECK_FALSE(r.emptyBody);
  // An empty HTTP body is flagged (REX-Ray's client took it for success).
  r = parseReply("IMachine_saveSettings", " \r\n");
  CHECK(r.returnvals.empty());
  CHECK_FALSE(r.fault.has_value());
  CHECK(r.emptyBody);
  // Any prefix, or a default namespace, works as long as the namespace is right.
  r = parseReply("IMedium_getId",
                 "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body>"
                 "<IMedium_getIdResponse xmlns=\"http://www.virtualbox.org/\"><returnval>"
                 "3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f</returnval></IMedium_getIdResponse>"
                 "</e:Body></e:Envelope>");
  REQUIRE(r.returnvals.size() == 1);
  CHECK(r.returnvals[0].text == "3f0f8e8a-5b06-4c1f-9d2e-0a1b2c3d4e5f");
}

TEST_CASE("virtualbox SOAP: replies that are not what was asked are protocol errors") {
  // The response element must be in the VirtualBox namespace.
  CHECK_THROWS_AS(parseReply("IMedium_getId",
                             vboxtest::envelope("<IMedium_getIdResponse><returnval>x</returnval>"
                                                "</IMedium_getIdResponse>")),
                  SoapProtocolError);
  CHECK_THROWS_AS(
      parseReply("IMedium_getId", vboxtest::envelope("<vbox:IMedium_getNameResponse/>")),
      SoapProtocolError);
  CHECK_THROWS_AS(parseReply("IMedium_getId", "<html>502 Bad Gateway</html>"), SoapProtocolError);
  CHECK_THROWS_AS(parseReply("IMedium_getId", "<Envelope"), SoapProtocolError);
  CHECK_THROWS_AS(parseReply("IMedium_getId",
                             "<Envelope xmlns=\"http://schemas.xmlsoap.org/soap/envelope/\"/>"),
                  SoapProtocolError);
}

TEST_CASE("virtualbox SOAP: RuntimeFault with a signed decimal result code") {
  const std::string body = vboxtest::envelope(
      "<SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring>VirtualBox error: "
      "apirc=0x80bb0001 Could not find a registered machine named 'node0' "
      "(0x80bb0001)</faultstring><detail><vbox:RuntimeFault><resultCode>-2135228415</"
      "resultCode><returnval>8a3c1f0e2b4d6a59-000000000000000e</returnval></vbox:RuntimeFault></"
      "detail></SOAP-ENV:Fault>");
  const SoapReply r = parseReply("IVirtualBox_findMachine", body);
  REQUIRE(r.fault.has_value());
  CHECK(r.fault->kind == SoapFault::Kind::Runtime);
  CHECK(r.fault->faultCode == "SOAP-ENV:Client");
  CHECK(static_cast<uint32_t>(r.fault->resultCode) == 0x80BB0001u);
  CHECK(r.fault->errorInfo == "8a3c1f0e2b4d6a59-000000000000000e");
  CHECK(r.fault->faultString.find("Could not find a registered machine named 'node0'") !=
        std::string::npos);

  // Other codes, including E_INVALIDARG and the unsigned spelling.
  auto f = parseReply("X_y", vboxtest::runtimeFault(0x80070057, "bad port").body).fault;
  REQUIRE(f);
  CHECK(static_cast<uint32_t>(f->resultCode) == 0x80070057u);
  CHECK(f->resultCode == -2147024809);
  f = parseReply("X_y", vboxtest::envelope("<SOAP-ENV:Fault><faultcode>c</faultcode><faultstring>s"
                                           "</faultstring><detail><vbox:RuntimeFault><resultCode>"
                                           "2159738892</resultCode></vbox:RuntimeFault></detail>"
                                           "</SOAP-ENV:Fault>"))
          .fault;
  REQUIRE(f);
  CHECK(static_cast<uint32_t>(f->resultCode) == 0x80BB000Cu);
}

TEST_CASE("virtualbox SOAP: InvalidObjectFault and plain faults") {
  auto r = parseReply("IMedium_getId",
                      vboxtest::invalidObject("0badc0de00000000-0000000000000007").body);
  REQUIRE(r.fault);
  CHECK(r.fault->kind == SoapFault::Kind::InvalidObject);
  CHECK(r.fault->badObjectId == "0badc0de00000000-0000000000000007");
  CHECK(r.fault->faultString ==
        "VirtualBox error: Invalid managed object reference \"0badc0de00000000-0000000000000007\"");

  r = parseReply("IWebsessionManager_logon",
                 vboxtest::envelope("<SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode>"
                                    "<faultstring>VirtualBox error: authentication failed"
                                    "</faultstring></SOAP-ENV:Fault>"));
  REQUIRE(r.fault);
  CHECK(r.fault->kind == SoapFault::Kind::Other);
  CHECK(r.fault->faultString == "VirtualBox error: authentication failed");
}

TEST_CASE("virtualbox SOAP: IMediumAttachment structs") {
  const std::string body = vboxtest::envelope(
      "<vbox:IMachine_getMediumAttachmentsResponse>"
      "<returnval><machine>m-1</machine><medium>m-9</medium><controller>SATA</controller>"
      "<port>1</port><device>0</device><type>HardDisk</type><passthrough>false</passthrough>"
      "<temporaryEject>false</temporaryEject><isEjected>false</isEjected><nonRotational>false"
      "</nonRotational><discard>false</discard><hotPluggable>true</hotPluggable>"
      "<bandwidthGroup/></returnval>"
      "<returnval><medium/><controller>IDE</controller><port>1</port><type>DVD</type></returnval>"
      "</vbox:IMachine_getMediumAttachmentsResponse>");
  const auto atts =
      VboxClient::parseAttachments(parseReply("IMachine_getMediumAttachments", body).returnvals);
  REQUIRE(atts.size() == 2);
  CHECK(atts[0].medium == "m-9");
  CHECK(atts[0].controller == "SATA");
  CHECK(atts[0].port == 1);
  CHECK(atts[0].device == 0);
  CHECK(atts[0].type == "HardDisk");
  CHECK(atts[1].medium.empty()); // an empty DVD drive
  CHECK(atts[1].device == 0);    // absent = zero
  CHECK(atts[1].type == "DVD");
}
