#include "SigV4.h"

#include <Poco/Crypto/DigestEngine.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace rexray::ebs::sigv4 {

namespace {

std::string lowerAscii(std::string s) {
  for (auto &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

} // namespace

std::string hex(const std::string &bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

std::string sha256(const std::string &data) {
  Poco::Crypto::DigestEngine engine("SHA256");
  engine.update(data.data(), static_cast<unsigned>(data.size()));
  const auto &digest = engine.digest();
  return std::string(digest.begin(), digest.end());
}

std::string sha256Hex(const std::string &data) {
  return hex(sha256(data));
}

std::string hmacSha256(const std::string &key, const std::string &data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char *>(data.data()), data.size(), out, &len))
    throw std::runtime_error("HMAC-SHA256 failed in OpenSSL");
  return std::string(reinterpret_cast<const char *>(out), len);
}

std::string uriEncode(const std::string &s, bool encodeSlash) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0xf];
    }
  }
  return out;
}

std::string canonicalQuery(const Pairs &query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto &[k, v] : query) encoded.emplace_back(uriEncode(k), uriEncode(v));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto &[k, v] : encoded) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::string amzDate(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string canonicalHeaderValue(const std::string &value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string canonicalRequest(const Request &request, const std::vector<std::string> &signedHeaders,
                             const std::string &payloadHash) {
  std::string out = request.method + "\n";
  out += uriEncode(request.path.empty() ? "/" : request.path, false) + "\n";
  out += canonicalQuery(request.query) + "\n";
  for (const auto &name : signedHeaders) {
    std::string joined;
    bool found = false;
    for (const auto &[n, v] : request.headers) {
      if (lowerAscii(n) != name) continue;
      if (found) joined += ',';
      joined += canonicalHeaderValue(v);
      found = true;
    }
    if (!found) throw std::invalid_argument("SigV4: signed header '" + name + "' is not set");
    out += name + ":" + joined + "\n";
  }
  out += "\n";
  for (size_t i = 0; i < signedHeaders.size(); ++i) {
    if (i) out += ';';
    out += signedHeaders[i];
  }
  out += "\n" + payloadHash;
  return out;
}

std::string signingKey(const std::string &secret, const std::string &yyyymmdd,
                       const std::string &region, const std::string &service) {
  const std::string kDate = hmacSha256("AWS4" + secret, yyyymmdd);
  const std::string kRegion = hmacSha256(kDate, region);
  const std::string kService = hmacSha256(kRegion, service);
  return hmacSha256(kService, "aws4_request");
}

Result sign(const Request &request, const Key &key, const std::string &region,
            const std::string &service, const std::string &amzDateValue,
            std::vector<std::string> signedHeaders) {
  if (amzDateValue.size() != 16 || amzDateValue[8] != 'T' || amzDateValue[15] != 'Z')
    throw std::invalid_argument("SigV4: bad X-Amz-Date '" + amzDateValue + "'");
  if (signedHeaders.empty())
    for (const auto &h : request.headers) signedHeaders.push_back(h.first);
  for (auto &h : signedHeaders) h = lowerAscii(h);
  std::sort(signedHeaders.begin(), signedHeaders.end());
  signedHeaders.erase(std::unique(signedHeaders.begin(), signedHeaders.end()), signedHeaders.end());

  Result r;
  const std::string date = amzDateValue.substr(0, 8);
  r.scope = date + "/" + region + "/" + service + "/aws4_request";
  r.canonicalRequest = canonicalRequest(request, signedHeaders, sha256Hex(request.body));
  r.canonicalRequestHash = sha256Hex(r.canonicalRequest);
  r.stringToSign =
      "AWS4-HMAC-SHA256\n" + amzDateValue + "\n" + r.scope + "\n" + r.canonicalRequestHash;
  const std::string kSigning = signingKey(key.secretAccessKey, date, region, service);
  r.signingKeyHex = hex(kSigning);
  r.signature = hex(hmacSha256(kSigning, r.stringToSign));
  for (size_t i = 0; i < signedHeaders.size(); ++i) {
    if (i) r.signedHeaders += ';';
    r.signedHeaders += signedHeaders[i];
  }
  r.authorization = "AWS4-HMAC-SHA256 Credential=" + key.accessKeyId + "/" + r.scope +
                    ", SignedHeaders=" + r.signedHeaders + ", Signature=" + r.signature;
  return r;
}

std::string presignUrl(const std::string &endpoint, const std::string &host, const Pairs &params,
                       const Key &key, const std::string &region, const std::string &service,
                       const std::string &amzDateValue, int64_t expiresSeconds) {
  const std::string scope =
      amzDateValue.substr(0, 8) + "/" + region + "/" + service + "/aws4_request";
  Request r;
  r.method = "GET";
  r.path = "/";
  r.query = params;
  r.query.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  r.query.emplace_back("X-Amz-Credential", key.accessKeyId + "/" + scope);
  r.query.emplace_back("X-Amz-Date", amzDateValue);
  r.query.emplace_back("X-Amz-Expires", std::to_string(expiresSeconds));
  r.query.emplace_back("X-Amz-SignedHeaders", "host");
  if (!key.sessionToken.empty()) r.query.emplace_back("X-Amz-Security-Token", key.sessionToken);
  r.headers = {{"host", host}};
  const Result signed_ = sign(r, key, region, service, amzDateValue, {"host"});
  return endpoint + "/?" + canonicalQuery(r.query) + "&X-Amz-Signature=" + signed_.signature;
}

} // namespace rexray::ebs::sigv4
