// File: feeds/feed_scheduler.h
//
// FeedScheduler polls every configured feed over net::HttpClient: a steady timer per feed with
// jitter, an adaptive interval from the feed's publishing rate within [min, max], conditional
// GET (ETag / Last-Modified, 304), Retry-After on 429/503, Cache-Control max-age, exponential
// backoff on errors, a per-host limit on concurrent requests and a minimum spacing between
// them. A 200 body is parsed with feeds::ParseFeed and its items handed to `on_items`
// (no deduplication here: the daemon asks the store). After N consecutive errors a feed is
// marked failing, keeps its last error, and is retried at the capped backoff. A 301/308 chain
// that ends in a success replaces the feed's URL (logged).
//
// Threading: public methods are thread-safe. All state lives on an internal strand; the
// callbacks run on that strand, one at a time, and must not block (post heavy work away).
// Bodies are parsed on that strand too (at most max_body_bytes each), so run the io_context
// on more than one thread if a slow parse must not delay other fetches.
// Lifetimes: `ioc`, `client`, `clock` and `registry` must outlive the scheduler. After Stop()
// (or destruction) no new callback starts; a callback already running may finish.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/item.h"
#include "feeds/feed_state.h"
#include "feeds/options.h"
#include "net/curl_http_client.h"
#include "net/http_client.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace babelwatch::feeds {

// One feed to poll.
struct FeedSpec {
  std::string id;
  std::string url;
  std::string language;                   // declared language ("" = from the feed)
  std::chrono::milliseconds interval{0};  // fixed interval (at least min_interval); 0 = adaptive
};

[[nodiscard]] FeedSpec ToFeedSpec(const FeedOptions& options);

struct SchedulerOptions {
  std::chrono::milliseconds default_interval{std::chrono::seconds(300)};  // adaptive start
  std::chrono::milliseconds min_interval{std::chrono::seconds(60)};
  std::chrono::milliseconds max_interval{std::chrono::seconds(3600)};
  std::chrono::milliseconds max_backoff{std::chrono::hours(4)};       // cap of error backoff
  std::chrono::milliseconds max_retry_after{std::chrono::hours(24)};  // cap on Retry-After
  double jitter = 0.1;  // each delay moves by up to +-10 %
  std::chrono::milliseconds initial_spread{std::chrono::seconds(10)};  // first polls spread
  int per_host_concurrency = 2;
  std::chrono::milliseconds per_host_spacing{std::chrono::seconds(1)};
  int failing_after = 5;
  int connect_timeout_ms = 10'000;
  int total_timeout_ms = 30'000;
  int64_t max_body_bytes = 16 << 20;
  int max_redirects = 5;
  bool allow_file_urls = true;
  uint64_t seed = 0;  // jitter randomness; 0 = from std::random_device
};

// The scheduler's options from the configured feeds options (intervals, limits, timeouts).
[[nodiscard]] SchedulerOptions ToSchedulerOptions(const FeedsOptions& options);

// The HTTP client options for feed polling: User-Agent and proxy.
[[nodiscard]] net::CurlHttpClientOptions ToCurlHttpClientOptions(const FeedsOptions& options);

class FeedScheduler {
 public:
  using ItemsCallback = std::function<void(const std::string& feed_id, std::vector<Item> items)>;
  // Called after every finished fetch with the feed's new state (to persist it).
  using StateCallback = std::function<void(const FeedState& state)>;

  FeedScheduler(boost::asio::io_context& ioc, net::HttpClient& client, const Clock& clock,
                prometheus::Registry& registry, SchedulerOptions options, ItemsCallback on_items,
                StateCallback on_state = {});
  // Calls Stop().
  ~FeedScheduler();
  FeedScheduler(const FeedScheduler&) = delete;
  FeedScheduler& operator=(const FeedScheduler&) = delete;

  // Makes `feeds` the polled set (start, and SIGHUP reload). Feeds already polled keep their
  // state and schedule; a feed whose configured URL changed starts afresh; removed feeds stop
  // (a fetch in flight is discarded). `restored` (persisted states, any order) seeds the
  // state of feeds not yet polled; entries for other ids are ignored. First polls are spread
  // over options.initial_spread, or follow a restored next_poll_ms.
  void SetFeeds(std::vector<FeedSpec> feeds, std::vector<FeedState> restored = {});
  // Polls `feed_id` as soon as the per-host limits allow (no-op if unknown or busy).
  void PollNow(const std::string& feed_id);
  // Cancels every timer; results of fetches in flight are dropped. Idempotent.
  void Stop();

  // Copies of every feed's state, sorted by id. Thread-safe; reflects the last finished fetch.
  [[nodiscard]] std::vector<FeedState> States() const;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace babelwatch::feeds
