#pragma once

#include "volume/Types.h"

#include <Poco/JSON/Object.h>

#include <memory>
#include <string>

namespace rexray::json {

// The control API's wire format, shared by the server, the CLI client and
// the CLI's JSON/YAML output, so all three agree field for field.
Poco::JSON::Object::Ptr fromVolume(const Volume &volume);
// The same object written straight to text: Poco::JSON builds and prints the
// 3.4 MB list of 10,000 volumes in ~250 ms, this in a few.
void appendVolume(std::string &out, const Volume &volume);
// The volumes of a cache listing, not copied.
std::string volumesArray(const std::vector<std::shared_ptr<const Volume>> &volumes);
Volume toVolume(const Poco::JSON::Object::Ptr &object);
// A volumesArray read back without building a tree of Poco objects (a
// tenth of the work for 10,000 volumes); throws Error(Invalid) when it is
// not one.
std::vector<Volume> parseVolumes(const std::string &text);
Poco::JSON::Object::Ptr fromSnapshot(const Snapshot &snapshot);
Snapshot toSnapshot(const Poco::JSON::Object::Ptr &object);
Poco::JSON::Object::Ptr fromCreateSpec(const CreateSpec &spec);
CreateSpec toCreateSpec(const Poco::JSON::Object::Ptr &object);

// An object that keeps its keys in insertion order.
Poco::JSON::Object::Ptr orderedObject();
// Parses a request body; throws Error(Invalid) naming what is wrong.
Poco::JSON::Object::Ptr parseObject(const std::string &body);
std::string stringify(const Poco::JSON::Object::Ptr &object);

// A JSON string literal. "/" stays as it is, and bytes that are not UTF-8
// become '?', so that every reply is JSON any parser accepts.
std::string quote(const std::string &text);
// quote(text) appended to `out`.
void appendQuoted(std::string &out, const std::string &text);

// RFC 3339 in UTC ("2026-11-29T13:45:00Z"); "" for 0.
std::string rfc3339(int64_t unixSeconds);
int64_t parseRfc3339(const std::string &text); // 0 for ""

} // namespace rexray::json
