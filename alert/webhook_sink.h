// File: alert/webhook_sink.h
//
// WebhookSink POSTs the shared JSON payload (alert/payload.h) to a configured URL with:
//   Idempotency-Key: <alert idempotency key>   (the same on every redelivery)
//   X-Babelwatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
// (the signature only when a secret is configured). A receiver verifies by recomputing the
// HMAC over the timestamp, a '.', and the raw body, and rejects stale timestamps.
// Thread-safe; see alert/sink.h. The HttpClient must outlive the sink.
#pragma once

#include <string>
#include <string_view>

#include "alert/sink.h"

namespace babelwatch::alert {

// Lower-case hex HMAC-SHA256 of `message` keyed with `key` (OpenSSL).
[[nodiscard]] std::string HmacSha256Hex(std::string_view key, std::string_view message);

// "t=<unix_seconds>,v1=<HmacSha256Hex(secret, "<unix_seconds>.<body>")>".
[[nodiscard]] std::string SignatureHeader(std::string_view secret, int64_t unix_seconds,
                                          std::string_view body);

class WebhookSink final : public Sink {
 public:
  WebhookSink(SinkOptions options, std::string public_url, net::HttpClient& http);

  [[nodiscard]] int MaxInFlight() const override { return 4; }
  void Deliver(const Alert& alert, int64_t now_ms, Done done) override;

  // The request Deliver() sends (for tests and for `babelwatch` tooling).
  [[nodiscard]] net::HttpRequest BuildRequest(const Alert& alert, int64_t now_ms) const;

 private:
  // Constant after construction.
  const std::string public_url_;
  net::HttpClient& http_;
};

}  // namespace babelwatch::alert
