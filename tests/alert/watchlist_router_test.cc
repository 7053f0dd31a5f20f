#include "alert/watchlist_router.h"

#include <catch2/catch.hpp>

#include "tests/store/result_printer.h"

namespace babelwatch::alert {
namespace {

StorySummary Story(StoryId id, std::vector<std::string> langs, int sources,
                   std::vector<std::string> keys = {}) {
  StorySummary s;
  s.id = id;
  for (auto& l : langs) s.languages.push_back(StoryLanguage{l, 0, "t", "src", "u"});
  s.independent_sources = sources;
  s.keys = std::move(keys);
  return s;
}

AlertOptions Base() {
  AlertOptions o;
  o.min_languages = 2;
  o.min_sources = 2;
  o.update_cooldown_ms = 600'000;
  for (const char* name : {"slack", "hook", "log"}) {
    SinkOptions s;
    s.name = name;
    s.type = "log";
    o.sinks.push_back(s);
  }
  return o;
}

WatchlistOptions List(std::string name) {
  WatchlistOptions w;
  w.name = std::move(name);
  return w;
}

std::unique_ptr<WatchlistRouter> Make(const AlertOptions& o, WatchlistRouter::KeyFn key_fn = {}) {
  auto r = WatchlistRouter::Create(o, std::move(key_fn));
  if (!r) FAIL("WatchlistRouter::Create: " << r.error());
  return std::move(*r);
}

TEST_CASE("WatchlistRouter: without watch-lists it is the plain spread detector",
          "[alert][watchlist]") {
  auto router = Make(Base());
  CHECK(router->Observe(Story(1, {"en"}, 1), 0).empty());
  std::vector<RoutedAlert> got = router->Observe(Story(1, {"en", "uk"}, 2), 10);
  REQUIRE(got.size() == 1);
  CHECK(got[0].watchlist == "");
  CHECK(got[0].sinks.empty());
  CHECK(got[0].alert.kind == "spread");
  CHECK(got[0].alert.idempotency_key == SpreadDetector::IdempotencyKey(1, 2));
}

TEST_CASE("WatchlistRouter: keywords match through language-neutral keys", "[alert][watchlist]") {
  AlertOptions o = Base();
  WatchlistOptions kz = List("kz");
  kz.keywords = {"Казахстан"};
  kz.sinks = {"slack"};
  o.watchlists = {kz};
  // Stands in for detect's key function: transliterated and folded.
  auto key_fn = [](std::string_view k) -> std::string {
    if (k == "Казахстан") return "kazakhstan";
    return WatchlistRouter::DefaultKey(k);
  };
  auto router = Make(o, key_fn);
  SECTION("the same key") {
    std::vector<RoutedAlert> got =
        router->Observe(Story(1, {"en", "ru"}, 2, {"referendum", "kazakhstan"}), 0);
    REQUIRE(got.size() == 1);
    CHECK(got[0].watchlist == "kz");
    CHECK(got[0].sinks == std::vector<std::string>{"slack"});
    CHECK(got[0].alert.idempotency_key == "story-1/languages-2/watch-kz");
  }
  SECTION("an inflected key with the keyword as prefix") {
    CHECK(router->Observe(Story(2, {"en", "ru"}, 2, {"kazakhstanu"}), 0).size() == 1);
  }
  SECTION("no shared key") {
    CHECK(router->Observe(Story(3, {"en", "ru"}, 2, {"china", "peace"}), 0).empty());
  }
  SECTION("a short common prefix is not enough") {
    CHECK(router->Observe(Story(4, {"en", "ru"}, 2, {"kaz"}), 0).empty());
  }
}

TEST_CASE("WatchlistRouter: feed and language filters", "[alert][watchlist]") {
  AlertOptions o = Base();
  WatchlistOptions wire = List("wire");
  wire.feeds = {"reuters"};
  WatchlistOptions uk = List("uk");
  uk.languages = {"uk"};
  o.watchlists = {wire, uk};
  auto router = Make(o);
  // Story 1: en from reuters, then ru from elsewhere: only the feed list alerts.
  CHECK(router->Observe(Story(1, {"en"}, 1), 0, "reuters").empty());
  std::vector<RoutedAlert> got = router->Observe(Story(1, {"en", "ru"}, 2), 5, "ria");
  REQUIRE(got.size() == 1);
  CHECK(got[0].watchlist == "wire");
  // Story 2: en + uk from other feeds: only the language list alerts.
  got = router->Observe(Story(2, {"en", "uk"}, 2), 5, "ukrinform");
  REQUIRE(got.size() == 1);
  CHECK(got[0].watchlist == "uk");
  CHECK(got[0].alert.idempotency_key == "story-2/languages-2/watch-uk");
  // A forgotten story loses its feeds.
  router->Forget(1);
  CHECK(router->Observe(Story(1, {"en", "ru", "de"}, 3), 1'000'000).empty());
}

TEST_CASE("WatchlistRouter: each list has its own thresholds and sinks", "[alert][watchlist]") {
  AlertOptions o = Base();
  WatchlistOptions broad = List("broad");
  broad.sinks = {"log"};
  WatchlistOptions wide = List("wide");
  wide.min_languages = 3;
  wide.min_sources = 3;
  wide.sinks = {"slack", "hook"};
  o.watchlists = {broad, wide};
  auto router = Make(o);
  std::vector<RoutedAlert> got = router->Observe(Story(9, {"en", "uk"}, 2), 0);
  REQUIRE(got.size() == 1);
  CHECK(got[0].watchlist == "broad");
  got = router->Observe(Story(9, {"en", "uk", "ru"}, 3), 1'000'000);
  REQUIRE(got.size() == 2);
  CHECK(got[0].watchlist == "broad");
  CHECK(got[0].alert.kind == "update");
  CHECK(got[1].watchlist == "wide");
  CHECK(got[1].alert.kind == "spread");
  CHECK(got[1].alert.idempotency_key == "story-9/languages-3/watch-wide");
  CHECK(got[1].sinks == std::vector<std::string>{"slack", "hook"});
}

TEST_CASE("WatchlistRouter: restored state stops a second alert after a restart",
          "[alert][watchlist]") {
  AlertOptions o = Base();
  o.watchlists = {List("a"), List("b")};
  auto router = Make(o);
  router->RestoreAlerted("a", 5, 2, 0);
  router->RestoreAlerted("removed-list", 5, 2, 0);  // ignored
  std::vector<RoutedAlert> got = router->Observe(Story(5, {"en", "uk"}, 2), 10);
  REQUIRE(got.size() == 1);
  CHECK(got[0].watchlist == "b");
}

TEST_CASE("WatchlistRouter: held-back updates are released by Tick with their route",
          "[alert][watchlist]") {
  AlertOptions o = Base();
  WatchlistOptions w = List("w");
  w.sinks = {"hook"};
  o.watchlists = {w};
  auto router = Make(o);
  REQUIRE(router->Observe(Story(3, {"en", "uk"}, 2), 0).size() == 1);
  CHECK(router->Observe(Story(3, {"en", "uk", "ru"}, 3), 1000).empty());  // cooldown
  CHECK(router->Tick(2000).empty());
  std::vector<RoutedAlert> got = router->Tick(600'000);
  REQUIRE(got.size() == 1);
  CHECK(got[0].alert.kind == "update");
  CHECK(got[0].alert.idempotency_key == "story-3/languages-3/watch-w");
  CHECK(got[0].sinks == std::vector<std::string>{"hook"});
}

TEST_CASE("WatchlistRouter: bad lists are reported together", "[alert][watchlist]") {
  AlertOptions o = Base();
  WatchlistOptions a = List("a");
  a.sinks = {"pager"};
  WatchlistOptions dup = List("a");
  WatchlistOptions neg = List("n");
  neg.min_languages = -1;
  o.watchlists = {a, dup, neg, List("")};
  auto r = WatchlistRouter::Create(o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kInvalidArgument);
  CHECK_THAT(r.error().message,
             Catch::Contains("watchlist \"a\": sink \"pager\" is not configured"));
  CHECK_THAT(r.error().message, Catch::Contains("watchlist \"a\": name used twice"));
  CHECK_THAT(r.error().message, Catch::Contains("watchlist \"n\": min_languages"));
  CHECK_THAT(r.error().message, Catch::Contains("empty name"));
}

TEST_CASE("WatchlistRouter: AdoptStateFrom keeps the state of unchanged lists",
          "[alert][watchlist][reload]") {
  AlertOptions before = Base();
  before.watchlists = {List("a"), List("b")};
  auto old_router = Make(before);
  REQUIRE(old_router->Observe(Story(1, {"en", "uk"}, 2), 10, "feed1").size() == 2);

  // "a" stays, "b" gets a higher threshold, "c" is new.
  AlertOptions after = before;
  after.watchlists[1].min_languages = 3;
  after.watchlists.push_back(List("c"));
  auto router = Make(after);
  CHECK(router->AdoptStateFrom(*old_router) == std::vector<std::string>{"b", "c"});
  // What the store recorded for "b" (its spread alert at 2 languages) goes to the new list.
  router->RestoreAlerted("b", 1, 2, 10);

  // The same story again: "a" remembers its alert, "b" is below its new threshold, and only
  // the new list "c" raises one.
  std::vector<RoutedAlert> got = router->Observe(Story(1, {"en", "uk"}, 2), 20);
  REQUIRE(got.size() == 1);
  CHECK(got[0].watchlist == "c");
  CHECK(got[0].alert.idempotency_key == SpreadDetector::IdempotencyKey(1, 2) + "/watch-c");

  // A third language after the cooldown: "a" sends an update (its state carried over), "b"
  // reaches its threshold, "c" an update.
  got = router->Observe(Story(1, {"en", "uk", "ru"}, 3), 20 + 600'000);
  REQUIRE(got.size() == 3);
  for (const RoutedAlert& r : got) {
    INFO(r.watchlist);
    CHECK(r.alert.idempotency_key ==
          SpreadDetector::IdempotencyKey(1, 3) + "/watch-" + r.watchlist);
    if (r.watchlist == "a") CHECK(r.alert.kind == "update");
  }
}

}  // namespace
}  // namespace babelwatch::alert
