#include "feeds/feed_scheduler.h"

#include <prometheus/registry.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "net/curl_http_client.h"
#include "tests/support/loopback_http_server.h"

namespace babelwatch::feeds {
namespace {

using namespace std::chrono_literals;
using testing::LoopbackHttpServer;
using testing::RecordedRequest;
using testing::Redirect;
using testing::Respond;
using testing::ScriptedResponse;

constexpr int64_t kNowMs = 1'795'435'200'000;  // 2026-11-23T12:00:00Z
constexpr int64_t kHourMs = 3'600'000;

const char* const kRss = R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title><link>http://example.com/</link>
<item><title>A</title><link>http://example.com/a</link><guid>a</guid>
<pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>B</title><link>http://example.com/b</link><guid>b</guid>
<pubDate>Mon, 23 Nov 2026 11:00:00 GMT</pubDate></item>
</channel></rss>)";

const char* const kLastModified = "Mon, 23 Nov 2026 11:00:00 GMT";

// A scheduler polling the loopback server with real timers but a frozen wall clock, so
// next_poll_ms - kNowMs is exactly the delay the scheduler chose. Intervals default to an hour:
// after its first poll a feed polls again only through PollNow, unless a test says otherwise.
class SchedulerFixture {
 public:
  SchedulerFixture() {
    options.default_interval = 1h;
    options.min_interval = 1min;
    options.max_interval = 2h;
    options.max_backoff = 4h;
    options.jitter = 0;
    options.initial_spread = 0ms;
    options.per_host_spacing = 0ms;
    options.per_host_concurrency = 4;
    options.seed = 42;
  }
  ~SchedulerFixture() {
    scheduler.reset();
    client.reset();
    ioc.restart();
    ioc.run_for(1s);
  }

  FeedSpec Spec(const std::string& id, const std::string& path,
                std::chrono::milliseconds interval = 0ms) {
    FeedSpec spec;
    spec.id = id;
    spec.url = server.Url(path);
    spec.interval = interval;
    return spec;
  }

  void Start(std::vector<FeedSpec> feeds, std::vector<FeedState> restored = {}) {
    client = std::make_unique<net::CurlHttpClient>(ioc, net::CurlHttpClientOptions{});
    scheduler = std::make_unique<FeedScheduler>(
        ioc, *client, clock, registry, options,
        [this](const std::string& id, std::vector<Item> items) {
          batches.emplace_back(id, std::move(items));
        },
        [this](const FeedState& state) { states.push_back(state); });
    scheduler->SetFeeds(std::move(feeds), std::move(restored));
  }

  // Runs the io_context until `done` holds or 10 s pass; returns `done()`.
  bool RunUntil(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done() && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(50ms);
    return done();
  }
  bool RunUntilStates(size_t n) {
    return RunUntil([&] { return states.size() >= n; });
  }

  FeedState StateOf(const std::string& id) const {
    for (const auto& s : scheduler->States()) {
      if (s.feed_id == id) return s;
    }
    FAIL("no state for feed " << id);
    return {};
  }

  double Metric(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    for (const auto& family : registry.Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        bool match = true;
        for (const auto& [k, v] : labels) {
          bool found = false;
          for (const auto& label : metric.label) found |= label.name == k && label.value == v;
          match &= found;
        }
        if (!match) continue;
        switch (family.type) {
          case prometheus::MetricType::Counter:
            return metric.counter.value;
          case prometheus::MetricType::Gauge:
            return metric.gauge.value;
          default:
            return 0;
        }
      }
    }
    return 0;
  }

  boost::asio::io_context ioc;
  LoopbackHttpServer server;
  ManualClock clock{kNowMs};
  prometheus::Registry registry;
  SchedulerOptions options;
  std::unique_ptr<net::CurlHttpClient> client;
  std::vector<std::pair<std::string, std::vector<Item>>> batches;
  std::vector<FeedState> states;
  std::unique_ptr<FeedScheduler> scheduler;
};

ScriptedResponse FeedResponse() {
  return Respond(200, kRss,
                 {{"ETag", "\"e1\""},
                  {"Last-Modified", kLastModified},
                  {"Content-Type", "application/rss+xml; charset=utf-8"}});
}

}  // namespace

TEST_CASE_METHOD(SchedulerFixture, "FeedScheduler: a 200 hands the items over and keeps validators",
                 "[feeds][scheduler]") {
  server.Set("/feed", FeedResponse());
  Start({Spec("a", "/feed")});
  REQUIRE(RunUntilStates(1));
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].first == "a");
  REQUIRE(batches[0].second.size() == 2);
  CHECK(batches[0].second[0].feed_id == "a");
  FeedState s = StateOf("a");
  CHECK(s.etag == "\"e1\"");
  CHECK(s.last_modified == kLastModified);
  CHECK(s.last_status == 200);
  CHECK(s.last_items == 2);
  CHECK(s.items_total == 2);
  CHECK(s.title == "T");
  CHECK(s.last_success_ms == kNowMs);
  CHECK(s.last_fetch_ms == kNowMs);
  CHECK(s.consecutive_errors == 0);
  CHECK(s.last_error.empty());
  CHECK(s.url == server.Url("/feed"));
  // Items an hour apart: adaptive interval of half an hour.
  CHECK(s.interval_ms == kHourMs / 2);
  CHECK(s.next_poll_ms == kNowMs + kHourMs / 2);
  auto requests = server.Requests("/feed");
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].Header("accept").find("application/rss+xml") != std::string::npos);
  CHECK(requests[0].Header("if-none-match").empty());
  CHECK(requests[0].Header("if-modified-since").empty());
  CHECK(Metric("babelwatch_feeds_fetches_total", {{"result", "ok"}, {"status_class", "2xx"}}) == 1);
  CHECK(Metric("babelwatch_feeds_items_parsed_total") == 2);
  CHECK(Metric("babelwatch_feeds_fetch_bytes_total") == std::string(kRss).size());
  CHECK(Metric("babelwatch_feeds_configured") == 1);
}

TEST_CASE_METHOD(SchedulerFixture, "FeedScheduler: conditional GET, and a 304 yields no items",
                 "[feeds][scheduler]") {
  server.SetResponder("/feed", [](const RecordedRequest& r) {
    if (r.Header("if-none-match") == "\"e1\"") return Respond(304);
    return FeedResponse();
  });
  Start({Spec("a", "/feed")});
  REQUIRE(RunUntilStates(1));
  scheduler->PollNow("a");
  REQUIRE(RunUntilStates(2));
  auto requests = server.Requests("/feed");
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].Header("if-none-match") == "\"e1\"");
  CHECK(requests[1].Header("if-modified-since") == kLastModified);
  CHECK(batches.size() == 1);
  FeedState s = StateOf("a");
  CHECK(s.last_status == 304);
  CHECK(s.etag == "\"e1\"");
  CHECK(s.items_total == 2);
  CHECK(Metric("babelwatch_feeds_fetches_total",
               {{"result", "not_modified"}, {"status_class", "3xx"}}) == 1);
}

TEST_CASE_METHOD(SchedulerFixture, "FeedScheduler: Retry-After on 429 and 503 delays the next poll",
                 "[feeds][scheduler]") {
  SECTION("429 with delay-seconds") {
    server.Set("/feed", Respond(429, "slow down", {{"Retry-After", "7200"}}));
    Start({Spec("a", "/feed", 60s)});
    REQUIRE(RunUntilStates(1));
    CHECK(StateOf("a").next_poll_ms - kNowMs == 7200 * 1000);
  }
  SECTION("503 with an HTTP date") {
    server.Set("/feed", Respond(503, "", {{"Retry-After", "Mon, 23 Nov 2026 15:00:00 GMT"}}));
    Start({Spec("a", "/feed", 60s)});
    REQUIRE(RunUntilStates(1));
    CHECK(StateOf("a").next_poll_ms - kNowMs == 3 * kHourMs);
  }
  SECTION("a Retry-After shorter than the backoff does not shorten it") {
    server.Set("/feed", Respond(503, "", {{"Retry-After", "1"}}));
    Start({Spec("a", "/feed", 60s)});
    REQUIRE(RunUntilStates(1));
    CHECK(StateOf("a").next_poll_ms - kNowMs == 60 * 1000);
  }
  FeedState s = StateOf("a");
  CHECK(s.consecutive_errors == 1);
  CHECK(s.last_error.find("feed \"a\": HTTP") != std::string::npos);
  CHECK(server.Count("/feed") == 1);
}

TEST_CASE_METHOD(SchedulerFixture,
                 "FeedScheduler: errors back off exponentially to the cap, then the feed fails",
                 "[feeds][scheduler]") {
  options.failing_after = 3;
  options.max_backoff = 4h;
  server.Set("/feed", Respond(500, "broken"));
  Start({Spec("a", "/feed", 1h)});
  std::vector<int64_t> delays;
  std::vector<bool> failing;
  for (size_t i = 1; i <= 5; ++i) {
    if (i > 1) scheduler->PollNow("a");
    REQUIRE(RunUntilStates(i));
    FeedState s = StateOf("a");
    delays.push_back((s.next_poll_ms - kNowMs) / kHourMs);
    failing.push_back(s.failing);
    CHECK(s.consecutive_errors == static_cast<int>(i));
  }
  CHECK(delays == std::vector<int64_t>{1, 2, 4, 4, 4});
  CHECK(failing == std::vector<bool>{false, false, true, true, true});
  CHECK(StateOf("a").last_error.find("HTTP 500") != std::string::npos);
  CHECK(Metric("babelwatch_feeds_failing") == 1);
  CHECK(Metric("babelwatch_feeds_fetches_total",
               {{"result", "http_error"}, {"status_class", "5xx"}}) == 5);

  server.Set("/feed", FeedResponse());
  scheduler->PollNow("a");
  REQUIRE(RunUntilStates(6));
  FeedState s = StateOf("a");
  CHECK_FALSE(s.failing);
  CHECK(s.consecutive_errors == 0);
  CHECK(s.last_error.empty());
  CHECK(Metric("babelwatch_feeds_failing") == 0);
}

TEST_CASE_METHOD(SchedulerFixture, "FeedScheduler: transport failures keep their error code",
                 "[feeds][scheduler]") {
  ScriptedResponse reset;
  reset.reset = true;
  server.Set("/reset", reset);
  ScriptedResponse bomb;
  bomb.body = testing::GzipBomb(size_t{64} << 20);
  bomb.raw_body_encoding = "gzip";
  server.Set("/bomb", bomb);
  options.max_body_bytes = 1 << 20;
  Start({Spec("r", "/reset"), Spec("b", "/bomb")});
  REQUIRE(RunUntilStates(2));
  CHECK(StateOf("r").last_error.find("feed \"r\"") == 0);
  CHECK(StateOf("b").last_error.find("after decoding") != std::string::npos);
  CHECK(Metric("babelwatch_feeds_fetches_total",
               {{"result", "unavailable"}, {"status_class", "none"}}) == 1);
  CHECK(Metric("babelwatch_feeds_fetches_total",
               {{"result", "resource_exhausted"}, {"status_class", "none"}}) == 1);
  CHECK(batches.empty());
}

TEST_CASE_METHOD(SchedulerFixture,
                 "FeedScheduler: a wrong content type does not stop a feed, a huge body does",
                 "[feeds][scheduler]") {
  server.Set("/html", Respond(200, kRss, {{"Content-Type", "text/html"}}));
  server.Set("/octets", Respond(200, kRss, {{"Content-Type", "application/octet-stream"}}));
  server.Set("/huge", Respond(200, std::string(3 << 20, 'x')));
  options.max_body_bytes = 1 << 20;
  Start({Spec("h", "/html"), Spec("o", "/octets"), Spec("x", "/huge")});
  REQUIRE(RunUntilStates(3));
  CHECK(StateOf("h").last_items == 2);
  CHECK(StateOf("o").last_items == 2);
  CHECK(StateOf("x").consecutive_errors == 1);
  CHECK(Metric("babelwatch_feeds_fetches_total",
               {{"result", "resource_exhausted"}, {"status_class", "none"}}) == 1);
  CHECK(batches.size() == 2);
}

TEST_CASE_METHOD(SchedulerFixture, "FeedScheduler: a body that is not a feed is a parse error",
                 "[feeds][scheduler]") {
  server.Set("/feed", Respond(200, "this is not a feed", {{"ETag", "\"bad\""}}));
  Start({Spec("a", "/feed")});
  REQUIRE(RunUntilStates(1));
  FeedState s = StateOf("a");
  CHECK(s.consecutive_errors == 1);
  CHECK(s.last_error.find("feed \"a\"") == 0);
  CHECK(s.etag.empty());  // a broken body is fetched again in full
  CHECK(Metric("babelwatch_feeds_parse_errors_total", {{"kind", "invalid_argument"}}) == 1);
  CHECK(Metric("babelwatch_feeds_fetches_total",
               {{"result", "parse_error"}, {"status_class", "2xx"}}) == 1);
  CHECK(batches.empty());
}

TEST_CASE_METHOD(SchedulerFixture, "FeedScheduler: a permanent redirect replaces the stored URL",
                 "[feeds][scheduler]") {
  server.Set("/old", Redirect(301, "/new"));
  server.Set("/new", FeedResponse());
  Start({Spec("a", "/old")});
  REQUIRE(RunUntilStates(1));
  CHECK(StateOf("a").url == server.Url("/new"));
  CHECK(StateOf("a").configured_url == server.Url("/old"));
  scheduler->PollNow("a");
  REQUIRE(RunUntilStates(2));
  CHECK(server.Count("/old") == 1);
  CHECK(server.Count("/new") == 2);
  CHECK(Metric("babelwatch_feeds_url_updates_total") == 1);
}

TEST_CASE_METHOD(SchedulerFixture, "FeedScheduler: a temporary redirect keeps the stored URL",
                 "[feeds][scheduler]") {
  server.Set("/old", Redirect(302, "/new"));
  server.Set("/new", FeedResponse());
  Start({Spec("a", "/old")});
  REQUIRE(RunUntilStates(1));
  CHECK(StateOf("a").url == server.Url("/old"));
  CHECK(Metric("babelwatch_feeds_url_updates_total") == 0);
}

TEST_CASE_METHOD(SchedulerFixture,
                 "FeedScheduler: never more concurrent requests to one host than the limit",
                 "[feeds][scheduler]") {
  options.per_host_concurrency = 2;
  std::atomic<int> active{0};
  std::atomic<int> max_active{0};
  std::vector<FeedSpec> feeds;
  for (int i = 0; i < 6; ++i) {
    std::string path = "/f" + std::to_string(i);
    server.SetResponder(path, [&](const RecordedRequest&) {
      int now = ++active;
      int seen = max_active.load();
      while (now > seen && !max_active.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(100ms);  // hold the request open while others could arrive
      --active;
      return FeedResponse();
    });
    feeds.push_back(Spec("f" + std::to_string(i), path));
  }
  Start(feeds);
  REQUIRE(RunUntilStates(6));
  CHECK(max_active.load() <= 2);
  CHECK(max_active.load() >= 1);
  CHECK(Metric("babelwatch_feeds_host_deferrals_total") >= 1);
  CHECK(batches.size() == 6);
}

TEST_CASE_METHOD(SchedulerFixture, "FeedScheduler: requests to one host are spaced apart",
                 "[feeds][scheduler]") {
  options.per_host_spacing = 500ms;
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  std::vector<FeedSpec> feeds;
  for (int i = 0; i < 3; ++i) {
    std::string path = "/s" + std::to_string(i);
    server.SetResponder(path, [&](const RecordedRequest&) {
      std::lock_guard<std::mutex> lock(mutex);
      arrivals.push_back(std::chrono::steady_clock::now());
      return FeedResponse();
    });
    feeds.push_back(Spec("s" + std::to_string(i), path));
  }
  Start(feeds);
  REQUIRE(RunUntilStates(3));
  std::lock_guard<std::mutex> lock(mutex);
  REQUIRE(arrivals.size() == 3);
  // Starts are 500 ms apart on the scheduler's side; the bound leaves 250 ms for a first
  // request that is slower than the next one (a new connection on a loaded machine).
  CHECK(arrivals[1] - arrivals[0] >= 250ms);
  CHECK(arrivals[2] - arrivals[1] >= 250ms);
}

TEST_CASE_METHOD(SchedulerFixture,
                 "FeedScheduler: reload keeps kept feeds' state and stops removed feeds",
                 "[feeds][scheduler]") {
  server.Set("/a", FeedResponse());
  server.Set("/b", FeedResponse());
  server.Set("/c", FeedResponse());
  server.Set("/a2", FeedResponse());
  Start({Spec("a", "/a"), Spec("b", "/b")});
  REQUIRE(RunUntilStates(2));
  scheduler->SetFeeds({Spec("a", "/a"), Spec("c", "/c")});
  REQUIRE(RunUntilStates(3));
  auto all = scheduler->States();
  REQUIRE(all.size() == 2);
  CHECK(all[0].feed_id == "a");
  CHECK(all[1].feed_id == "c");
  CHECK(all[0].items_total == 2);
  CHECK(all[0].etag == "\"e1\"");
  CHECK(server.Count("/a") == 1);  // not polled again by the reload
  scheduler->PollNow("b");         // removed: nothing happens
  ioc.run_for(300ms);
  CHECK(server.Count("/b") == 1);
  CHECK(Metric("babelwatch_feeds_configured") == 2);

  SECTION("a changed URL starts afresh") {
    scheduler->SetFeeds({Spec("a", "/a2"), Spec("c", "/c")});
    REQUIRE(RunUntilStates(4));
    auto requests = server.Requests("/a2");
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].Header("if-none-match").empty());
    CHECK(StateOf("a").items_total == 2);  // fresh state: only the new URL's items
    CHECK(StateOf("a").configured_url == server.Url("/a2"));
  }
}

TEST_CASE_METHOD(SchedulerFixture, "FeedScheduler: a shorter configured interval applies at reload",
                 "[feeds][scheduler]") {
  server.Set("/a", FeedResponse());
  Start({Spec("a", "/a", 1h)});
  REQUIRE(RunUntilStates(1));
  CHECK(StateOf("a").next_poll_ms - kNowMs == kHourMs);
  scheduler->SetFeeds({Spec("a", "/a", 2min)});
  REQUIRE(RunUntil([&] { return StateOf("a").next_poll_ms - kNowMs == 2 * 60 * 1000; }));
  CHECK(StateOf("a").interval_ms == 2 * 60 * 1000);
  CHECK(StateOf("a").items_total == 2);
  CHECK(server.Count("/a") == 1);
}

TEST_CASE_METHOD(SchedulerFixture, "FeedScheduler: restored state sends its validators",
                 "[feeds][scheduler]") {
  server.SetResponder("/feed", [](const RecordedRequest& r) {
    if (r.Header("if-none-match") == "\"r\"") return Respond(304);
    return FeedResponse();
  });
  FeedState restored;
  restored.feed_id = "a";
  restored.configured_url = server.Url("/feed");
  restored.url = server.Url("/feed");
  restored.etag = "\"r\"";
  restored.items_total = 10;
  FeedState other;
  other.feed_id = "gone";
  Start({Spec("a", "/feed")}, {restored, other});
  REQUIRE(RunUntilStates(1));
  auto requests = server.Requests("/feed");
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].Header("if-none-match") == "\"r\"");
  CHECK(StateOf("a").items_total == 10);
  CHECK(StateOf("a").last_status == 304);
  CHECK(scheduler->States().size() == 1);
}

TEST_CASE_METHOD(SchedulerFixture,
                 "FeedScheduler: Cache-Control max-age lengthens the delay up to max_interval",
                 "[feeds][scheduler]") {
  SECTION("within max_interval") {
    server.Set("/feed", Respond(304, "", {{"Cache-Control", "public, max-age=600"}}));
    Start({Spec("a", "/feed", 60s)});
    REQUIRE(RunUntilStates(1));
    CHECK(StateOf("a").next_poll_ms - kNowMs == 600 * 1000);
  }
  SECTION("capped at max_interval") {
    server.Set("/feed", Respond(304, "", {{"Cache-Control", "max-age=100000"}}));
    Start({Spec("a", "/feed", 60s)});
    REQUIRE(RunUntilStates(1));
    CHECK(StateOf("a").next_poll_ms - kNowMs == 2 * kHourMs);
  }
}

TEST_CASE_METHOD(SchedulerFixture, "FeedScheduler: polls again by itself when the interval ends",
                 "[feeds][scheduler]") {
  options.min_interval = 50ms;
  server.Set("/feed", FeedResponse());
  Start({Spec("a", "/feed", 100ms)});
  REQUIRE(RunUntilStates(3));
  auto requests = server.Requests("/feed");
  REQUIRE(requests.size() >= 3);
  CHECK(requests[1].Header("if-none-match") == "\"e1\"");
}

TEST_CASE_METHOD(SchedulerFixture, "FeedScheduler: nothing is polled after Stop",
                 "[feeds][scheduler]") {
  server.Set("/feed", FeedResponse());
  Start({Spec("a", "/feed")});
  REQUIRE(RunUntilStates(1));
  scheduler->Stop();
  scheduler->PollNow("a");
  ioc.run_for(300ms);
  CHECK(server.Count("/feed") == 1);
  CHECK(states.size() == 1);
}

}  // namespace babelwatch::feeds

namespace babelwatch::feeds {

TEST_CASE("ToSchedulerOptions, ToFeedSpec, ToCurlHttpClientOptions: config units to ms",
          "[feeds][scheduler]") {
  FeedsOptions config;
  config.default_interval_s = 300;
  config.min_interval_s = 60;
  config.max_interval_s = 7200;
  config.per_host_spacing_ms = 1500;
  config.per_host_concurrency = 3;
  config.failing_after = 4;
  config.connect_timeout_s = 5;
  config.total_timeout_s = 20;
  config.max_body_bytes = 1234;
  config.max_redirects = 2;
  config.allow_file_urls = false;
  config.user_agent = "ua/1";
  config.proxy = "http://127.0.0.1:3128";
  auto o = ToSchedulerOptions(config);
  CHECK(o.default_interval == std::chrono::seconds(300));
  CHECK(o.min_interval == std::chrono::seconds(60));
  CHECK(o.max_interval == std::chrono::seconds(7200));
  CHECK(o.max_backoff >= o.max_interval);
  CHECK(o.per_host_spacing == std::chrono::milliseconds(1500));
  CHECK(o.per_host_concurrency == 3);
  CHECK(o.failing_after == 4);
  CHECK(o.connect_timeout_ms == 5000);
  CHECK(o.total_timeout_ms == 20000);
  CHECK(o.max_body_bytes == 1234);
  CHECK(o.max_redirects == 2);
  CHECK_FALSE(o.allow_file_urls);
  auto curl = ToCurlHttpClientOptions(config);
  CHECK(curl.user_agent == "ua/1");
  CHECK(curl.proxy == "http://127.0.0.1:3128");

  FeedOptions feed;
  feed.id = "x";
  feed.url = "http://127.0.0.1/x";
  feed.language = "uk";
  feed.interval_s = 90;
  auto spec = ToFeedSpec(feed);
  CHECK(spec.id == "x");
  CHECK(spec.url == feed.url);
  CHECK(spec.language == "uk");
  CHECK(spec.interval == std::chrono::seconds(90));
}

}  // namespace babelwatch::feeds
