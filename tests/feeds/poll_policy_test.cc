#include "feeds/poll_policy.h"

#include <catch2/catch.hpp>

namespace babelwatch::feeds {
namespace {

using namespace std::chrono_literals;

Item At(int64_t ms) {
  Item item;
  item.published_ms = ms;
  return item;
}

}  // namespace

TEST_CASE("AdaptiveInterval: half the mean gap between the newest items, clamped",
          "[feeds][poll]") {
  const int64_t now = 100 * 3600 * 1000LL;
  const int64_t hour = 3600 * 1000LL;
  std::vector<Item> hourly = {At(now - 1 * hour), At(now - 2 * hour), At(now - 3 * hour),
                              At(now - 4 * hour)};
  CHECK(AdaptiveInterval(hourly, now, 0, 1min, 24h, 5min) == 30min);
  SECTION("clamped to min and max") {
    CHECK(AdaptiveInterval(hourly, now, 0, 45min, 24h, 5min) == 45min);
    CHECK(AdaptiveInterval(hourly, now, 0, 1min, 10min, 5min) == 10min);
  }
  SECTION("undated, future and duplicate dates are ignored") {
    std::vector<Item> items = hourly;
    items.push_back(At(now));             // the fetch time stands for "undated"
    items.push_back(At(now + hour));      // in the future
    items.push_back(At(now - 1 * hour));  // duplicate
    items.push_back(At(0));
    CHECK(AdaptiveInterval(items, now, now, 1min, 24h, 5min) == 30min);
  }
  SECTION("fewer than two dates: the fallback, clamped") {
    CHECK(AdaptiveInterval({At(now - hour)}, now, 0, 1min, 24h, 7min) == 7min);
    CHECK(AdaptiveInterval({}, now, 0, 10min, 24h, 7min) == 10min);
  }
  SECTION("only the newest 20 items count") {
    std::vector<Item> items;
    for (int i = 1; i <= 20; ++i) items.push_back(At(now - i * 60 * 1000LL));  // every minute
    for (int i = 1; i <= 100; ++i) items.push_back(At(now - 1000 * hour - i * hour));
    CHECK(AdaptiveInterval(items, now, 0, 1s, 24h, 5min) == 30s);
  }
}

TEST_CASE("Backoff: doubles per consecutive error up to the cap", "[feeds][poll]") {
  CHECK(Backoff(1, 1min, 1h) == 1min);
  CHECK(Backoff(2, 1min, 1h) == 2min);
  CHECK(Backoff(3, 1min, 1h) == 4min);
  CHECK(Backoff(7, 1min, 1h) == 1h);
  CHECK(Backoff(1000000, 1min, 1h) == 1h);
  CHECK(Backoff(0, 1min, 1h) == 1min);
}

TEST_CASE("ParseRetryAfter: seconds or an HTTP date", "[feeds][poll]") {
  const int64_t now = 1'700'000'000'000;  // 2023-11-14T22:13:20Z
  CHECK(ParseRetryAfter("120", now) == 120s);
  CHECK(ParseRetryAfter(" 0 ", now) == 0s);
  CHECK(ParseRetryAfter("Tue, 14 Nov 2023 23:13:20 GMT", now) == 1h);
  CHECK(ParseRetryAfter("Tue, 14 Nov 2023 21:13:20 GMT", now) == 0s);  // in the past
  CHECK_FALSE(ParseRetryAfter("", now).has_value());
  CHECK_FALSE(ParseRetryAfter("soon", now).has_value());
  CHECK_FALSE(ParseRetryAfter("-5", now).has_value());
  CHECK_FALSE(ParseRetryAfter("12abc", now).has_value());
  CHECK(ParseRetryAfter("99999999999", now) == std::chrono::hours(24 * 365 * 10));  // capped
}

TEST_CASE("ParseMaxAge: max-age unless no-store or no-cache", "[feeds][poll]") {
  CHECK(ParseMaxAge("public, max-age=600") == 600s);
  CHECK(ParseMaxAge("Max-Age=\"60\"") == 60s);
  CHECK_FALSE(ParseMaxAge("no-cache, max-age=600").has_value());
  CHECK_FALSE(ParseMaxAge("max-age=600, no-store").has_value());
  CHECK_FALSE(ParseMaxAge("max-age=abc").has_value());
  CHECK_FALSE(ParseMaxAge("").has_value());
}

TEST_CASE("HostKey: lower-cased host and port, nothing for file://", "[feeds][poll]") {
  CHECK(HostKey("https://Example.COM/feed.xml") == "example.com");
  CHECK(HostKey("http://user:pw@example.com:8080/x?y#z") == "example.com:8080");
  CHECK(HostKey("http://example.com") == "example.com");
  CHECK(HostKey("file:///srv/feed.xml").empty());
  CHECK(HostKey("not a url").empty());
}

TEST_CASE("Jitter: stays within +-fraction", "[feeds][poll]") {
  CHECK(Jitter(1000ms, 0.1, 0.0) == 900ms);
  CHECK(Jitter(1000ms, 0.1, 0.5) == 1000ms);
  CHECK(Jitter(1000ms, 0.1, 0.99) <= 1100ms);
  CHECK(Jitter(1000ms, 0.0, 0.99) == 1000ms);
}

}  // namespace babelwatch::feeds
