#include "feeds/feed_state.h"

#include <catch2/catch.hpp>

namespace babelwatch::feeds {

TEST_CASE("FeedState: JSON round trip and malformed input", "[feeds][poll]") {
  FeedState s;
  s.feed_id = "reuters";
  s.configured_url = "http://a/old";
  s.url = "http://a/new";
  s.title = "Новости \"quoted\"";
  s.etag = "W/\"x\"";
  s.last_modified = "Mon, 23 Nov 2026 11:00:00 GMT";
  s.last_fetch_ms = 1'700'000'000'123;
  s.last_success_ms = 1'700'000'000'000;
  s.next_poll_ms = 1'700'000'300'000;
  s.last_error = "feed \"reuters\": HTTP 503";
  s.last_status = 503;
  s.consecutive_errors = 2;
  s.failing = true;
  s.last_items = 12;
  s.items_total = 123456789012;
  s.interval_ms = 300000;
  auto back = FeedStateFromJson(FeedStateToJson(s));
  REQUIRE(back.has_value());
  CHECK(back->feed_id == s.feed_id);
  CHECK(back->configured_url == s.configured_url);
  CHECK(back->url == s.url);
  CHECK(back->title == s.title);
  CHECK(back->etag == s.etag);
  CHECK(back->last_modified == s.last_modified);
  CHECK(back->last_fetch_ms == s.last_fetch_ms);
  CHECK(back->last_success_ms == s.last_success_ms);
  CHECK(back->next_poll_ms == s.next_poll_ms);
  CHECK(back->last_error == s.last_error);
  CHECK(back->last_status == 503);
  CHECK(back->consecutive_errors == 2);
  CHECK(back->failing);
  CHECK(back->last_items == 12);
  CHECK(back->items_total == s.items_total);
  CHECK(back->interval_ms == s.interval_ms);

  std::string array = FeedStatesToJson({s, FeedState{}});
  CHECK(array.front() == '[');
  CHECK(array.find(FeedStateToJson(s)) == 1);
  CHECK(FeedStatesToJson({}) == "[]");

  CHECK(FeedStateFromJson("{}").has_value());
  for (std::string bad :
       {"", "[]", "{", "{\"etag\": 5}", "{\"failing\": \"yes\"}", "{\"items_total\": \"x\"}"}) {
    auto r = FeedStateFromJson(bad);
    REQUIRE(r.has_error());
    CHECK(r.error().code == Code::kInvalidArgument);
    CHECK(r.error().message.find("feed state JSON") == 0);
  }
  CHECK(FeedStateFromJson(std::string(70000, ' ')).has_error());
}

}  // namespace babelwatch::feeds
