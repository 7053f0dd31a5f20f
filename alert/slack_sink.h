// File: alert/slack_sink.h
//
// SlackSink posts to a Slack incoming webhook: a Block Kit message (header, summary, one
// line per language with its first headline, source and time, a context line with the
// idempotency key) plus a plain-text `text` fallback for notifications. Text from feeds is
// mrkdwn-escaped (&, <, >), links only carry http(s) URLs. At most one message per second
// per webhook (TryReserve/ReadyAt; shared by every sink of one webhook URL built by
// MakeSinks), and a 429's Retry-After holds the whole webhook back.
// Thread-safe; see alert/sink.h. The HttpClient must outlive the sink.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "alert/sink.h"

namespace babelwatch::alert {

// Slack's mrkdwn control characters: & -> &amp;, < -> &lt;, > -> &gt;.
[[nodiscard]] std::string SlackEscape(std::string_view text);

// "<url|label>" with the label escaped, or the escaped label alone if url is not http(s).
[[nodiscard]] std::string SlackLink(std::string_view url, std::string_view label);

// The message body Deliver() posts.
[[nodiscard]] boost::json::object BuildSlackMessage(const Alert& alert,
                                                    std::string_view public_url);

class SlackSink final : public Sink {
 public:
  static constexpr int64_t kMinIntervalMs = 1000;

  // Sinks built with the same `limit` share one rate limit (MakeSinks() gives every Slack
  // sink of one webhook URL the same); nullptr = a limit of its own.
  SlackSink(SinkOptions options, std::string public_url, net::HttpClient& http,
            std::shared_ptr<std::atomic<int64_t>> limit = nullptr);

  [[nodiscard]] int64_t ReadyAt() const override;
  // Takes the webhook's next one-second slot if it is free at now_ms.
  [[nodiscard]] bool TryReserve(int64_t now_ms) override;
  [[nodiscard]] int MaxInFlight() const override { return 1; }
  void Deliver(const Alert& alert, int64_t now_ms, Done done) override;

 private:
  // Constant after construction.
  const std::string public_url_;
  net::HttpClient& http_;
  // Shared with completions in flight (they may outlive the sink).
  const std::shared_ptr<std::atomic<int64_t>> ready_at_;
};

}  // namespace babelwatch::alert
