// File: alert/sink.h
//
// Sink: one configured destination of alerts (log, webhook, Slack, Alertmanager). The
// Dispatcher hands it one accepted alert at a time and learns from the DeliveryOutcome
// whether to delete the outbox row, retry it later, or dead-letter it. HTTP sinks share
// ClassifyResponse() so every sink maps statuses and transport errors the same way.
//
// Threads: every sink is thread-safe. The Dispatcher calls TryReserve() under its lock;
// Deliver() runs outside it and may run on several threads at once (at most MaxInFlight()
// deliveries are outstanding). `done` may run on another thread (the HTTP client's
// executor) and possibly before Deliver() returns (the log sink). Sinks keep the state their
// completions touch in shared_ptrs, so a sink may be destroyed while a request is in flight
// (the late completion then only calls `done`).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "alert/options.h"
#include "core/result.h"
#include "core/story.h"
#include "net/http_client.h"

namespace babelwatch::alert {

struct DeliveryOutcome {
  enum class Kind {
    kDelivered,  // acknowledged (2xx): delete the outbox row
    kRetry,      // transient: retry after a backoff (or retry_after_ms)
    kPermanent,  // will not succeed by retrying (e.g. 404 webhook): dead-letter now
    kCancelled,  // shutdown: not an attempt; the row stays due
  };
  Kind kind = Kind::kRetry;
  std::string detail;                     // "HTTP 503: upstream down", "timeout ...", "" on success
  int http_status = 0;                    // 0 when no response
  std::optional<int64_t> retry_after_ms;  // from Retry-After, relative to the attempt
};

class Sink {
 public:
  using Done = std::function<void(DeliveryOutcome)>;

  explicit Sink(SinkOptions options) : options_(std::move(options)) {}
  virtual ~Sink() = default;
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  [[nodiscard]] const SinkOptions& options() const { return options_; }
  [[nodiscard]] const std::string& name() const { return options_.name; }

  // Wall-clock ms before which the sink wants no delivery (rate limit, Retry-After).
  [[nodiscard]] virtual int64_t ReadyAt() const { return 0; }
  // Called by the dispatcher (serialized) just before it hands this sink a delivery at
  // now_ms; false means "not now" (a rate limit) and nothing is started. A sink that
  // rate-limits reserves its slot here, so sinks sharing one endpoint share one limit.
  [[nodiscard]] virtual bool TryReserve(int64_t now_ms) {
    (void)now_ms;
    return true;
  }
  // Deliveries the dispatcher may have in flight at once on this sink.
  [[nodiscard]] virtual int MaxInFlight() const { return 1; }
  // Delivers `alert` (now_ms: wall-clock time of the attempt); calls `done` exactly once.
  virtual void Deliver(const Alert& alert, int64_t now_ms, Done done) = 0;

 private:
  // Constant after construction.
  const SinkOptions options_;
};

// Retry-After as delta-seconds ("120") or an IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT"),
// in ms from now_ms (0 for a date in the past); nullopt when absent or malformed. Capped
// at one day so a hostile header can't park a sink forever.
[[nodiscard]] std::optional<int64_t> ParseRetryAfterMs(std::string_view value, int64_t now_ms);

// Maps one HTTP attempt to an outcome: 2xx delivered; 408, 425, 429 and 5xx retry (with
// Retry-After when given); other statuses permanent; transport errors retry, except
// kInvalidArgument (bad URL) which is permanent, and kCancelled (shutdown).
[[nodiscard]] DeliveryOutcome ClassifyResponse(const Result<net::HttpResponse>& response,
                                               int64_t now_ms);

// The request an HTTP sink sends: POST, JSON content type, the sink's timeout, no
// redirects, a small response cap.
[[nodiscard]] net::HttpRequest JsonPost(const SinkOptions& options, std::string url,
                                        std::string body);

}  // namespace babelwatch::alert
