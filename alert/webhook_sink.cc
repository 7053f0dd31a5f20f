#include "alert/webhook_sink.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/json.hpp>

#include "alert/payload.h"

namespace babelwatch::alert {

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xF];
  }
  return out;
}

std::string SignatureHeader(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  const std::string ts = std::to_string(unix_seconds);
  std::string signed_text = ts;
  signed_text += '.';
  signed_text += body;
  return "t=" + ts + ",v1=" + HmacSha256Hex(secret, signed_text);
}

WebhookSink::WebhookSink(SinkOptions options, std::string public_url, net::HttpClient& http)
    : Sink(std::move(options)), public_url_(std::move(public_url)), http_(http) {}

net::HttpRequest WebhookSink::BuildRequest(const Alert& alert, int64_t now_ms) const {
  std::string body = boost::json::serialize(BuildPayload(alert, public_url_));
  net::HttpRequest r = JsonPost(options(), options().url, std::string());
  r.headers.emplace_back("Idempotency-Key", alert.idempotency_key);
  r.headers.emplace_back("X-Babelwatch-Event", alert.kind);
  if (!options().secret.empty()) {
    r.headers.emplace_back("X-Babelwatch-Signature",
                           SignatureHeader(options().secret, now_ms / 1000, body));
  }
  r.body = std::move(body);
  return r;
}

void WebhookSink::Deliver(const Alert& alert, int64_t now_ms, Done done) {
  http_.Fetch(BuildRequest(alert, now_ms),
              [done = std::move(done), now_ms](Result<net::HttpResponse> response) {
                done(ClassifyResponse(response, now_ms));
              });
}

}  // namespace babelwatch::alert
