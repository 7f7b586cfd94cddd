#ifndef REXRAY_EBS_SIGV4_H
#define REXRAY_EBS_SIGV4_H

#include <cstdint>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

// AWS Signature Version 4 (HMAC-SHA256), as specs/ec2-ebs.md §1 describes it:
// canonical request → string to sign → derived key → signature. SHA-256 comes
// from Poco::Crypto, HMAC from OpenSSL. Pure functions, no I/O.
namespace rexray::ebs::sigv4 {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// What gets signed. Query keys and values are raw (encoded here); header
// names may be in any case; `path` is the raw path ("/" for EC2).
struct Request {
  std::string method = "POST";
  std::string path = "/";
  Pairs query;
  Pairs headers;
  std::string body;
};

struct Key {
  std::string accessKeyId;
  std::string secretAccessKey;
  std::string sessionToken; // "" = none
};

// Everything computed on the way, for logs and tests.
struct Result {
  std::string canonicalRequest;
  std::string canonicalRequestHash; // hex SHA-256 of canonicalRequest
  std::string stringToSign;
  std::string signingKeyHex;
  std::string signedHeaders; // "content-length;content-type;host;x-amz-date"
  std::string scope;         // "20150830/us-east-1/ec2/aws4_request"
  std::string signature;     // hex
  std::string authorization; // the Authorization header value
};

// Lower-case hex of raw bytes.
std::string hex(const std::string &bytes);
// Raw SHA-256 digest, and its hex form.
std::string sha256(const std::string &data);
std::string sha256Hex(const std::string &data);
// Raw HMAC-SHA256.
std::string hmacSha256(const std::string &key, const std::string &data);

// RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ is %XX
// (upper-case hex); '/' is kept when encodeSlash is false.
std::string uriEncode(const std::string &s, bool encodeSlash = true);
// key=value pairs, each part encoded, sorted by key then value, joined by '&'.
// Also the form body encoding of EC2 Query requests.
std::string canonicalQuery(const Pairs &query);
// "YYYYMMDDTHHMMSSZ" for a UTC time.
std::string amzDate(std::time_t t);

// Header values as SigV4 canonicalizes them: trimmed, inner runs of spaces
// collapsed to one.
std::string canonicalHeaderValue(const std::string &value);

// The canonical request over the headers named in `signedHeaders`
// (lower-case names; every one must be present in request.headers).
std::string canonicalRequest(const Request &request, const std::vector<std::string> &signedHeaders,
                             const std::string &payloadHash);
// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
std::string signingKey(const std::string &secret, const std::string &yyyymmdd,
                       const std::string &region, const std::string &service);

// Signs `request`. `amzDateValue` is "YYYYMMDDTHHMMSSZ"; signedHeaders empty =
// every header of the request. The caller sends the headers it signed plus
// Authorization = result.authorization.
Result sign(const Request &request, const Key &key, const std::string &region,
            const std::string &service, const std::string &amzDateValue,
            std::vector<std::string> signedHeaders = {});

// A presigned GET URL ("https://host/?<params>&X-Amz-…&X-Amz-Signature=…")
// signing only `host`, as botocore's SigV4QueryAuth does. `endpoint` is
// "scheme://host[:port]", `host` the Host header value.
std::string presignUrl(const std::string &endpoint, const std::string &host, const Pairs &params,
                       const Key &key, const std::string &region, const std::string &service,
                       const std::string &amzDateValue, int64_t expiresSeconds);

} // namespace rexray::ebs::sigv4

#endif // REXRAY_EBS_SIGV4_H
