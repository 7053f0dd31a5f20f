#include "alert/spread_detector.h"

#include <catch2/catch.hpp>

namespace babelwatch::alert {
namespace {

StorySummary MakeStory(StoryId id, std::vector<std::string> langs, int sources) {
  StorySummary s;
  s.id = id;
  for (auto& l : langs) s.languages.push_back(StoryLanguage{l, 0, "t", "src", "u"});
  s.independent_sources = sources;
  return s;
}

AlertOptions Defaults() {
  AlertOptions o;
  o.min_languages = 2;
  o.min_sources = 2;
  o.update_cooldown_ms = 600'000;
  return o;
}

TEST_CASE("SpreadDetector: one language never alerts, two languages from two sources do",
          "[alert][spread]") {
  SpreadDetector d(Defaults());
  CHECK(d.Observe(MakeStory(1, {"en"}, 1), 0).empty());
  CHECK(d.Observe(MakeStory(1, {"en"}, 3), 10).empty());
  auto alerts = d.Observe(MakeStory(1, {"en", "uk"}, 2), 20);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].kind == "spread");
  CHECK(alerts[0].languages == std::vector<std::string>{"en", "uk"});
  CHECK(alerts[0].idempotency_key == "story-1/languages-2");
  CHECK(alerts[0].at_ms == 20);
  SECTION("the same languages again raise nothing") {
    CHECK(d.Observe(MakeStory(1, {"en", "uk"}, 4), 30).empty());
  }
}

TEST_CASE("SpreadDetector: a language that joined barely above the threshold does not count",
          "[alert][spread]") {
  AlertOptions o = Defaults();
  o.min_link = 1.2;
  SpreadDetector d(o);
  StorySummary s = MakeStory(1, {"en", "uk"}, 2);
  s.languages[1].link = 1.05;  // uk linked at 1.05 x the threshold
  CHECK(d.Observe(s, 10).empty());
  CHECK(SpreadDetector::CountedLanguages(s, o.min_link) == std::vector<std::string>{"en"});
  CHECK(SpreadDetector::CountedLanguages(s) == std::vector<std::string>{"en", "uk"});
  s.languages[1].link = 1.3;  // a later uk document linked firmly
  auto alerts = d.Observe(s, 20);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].languages == std::vector<std::string>{"en", "uk"});
}

TEST_CASE("SpreadDetector: two languages from one source (syndication) do not alert",
          "[alert][spread]") {
  SpreadDetector d(Defaults());
  CHECK(d.Observe(MakeStory(7, {"en", "ru"}, 1), 0).empty());
  CHECK(d.Observe(MakeStory(7, {"en", "ru"}, 2), 5).size() == 1);
}

TEST_CASE("SpreadDetector: unknown language codes do not count", "[alert][spread]") {
  SpreadDetector d(Defaults());
  CHECK(d.Observe(MakeStory(2, {"en", "un", ""}, 3), 0).empty());
}

TEST_CASE("SpreadDetector: a further language is an update, held back by the cooldown",
          "[alert][spread]") {
  SpreadDetector d(Defaults());
  REQUIRE(d.Observe(MakeStory(3, {"en", "uk"}, 2), 0).size() == 1);
  CHECK(d.Observe(MakeStory(3, {"en", "uk", "ru"}, 3), 60'000).empty());
  CHECK(d.Tick(599'999).empty());
  auto released = d.Tick(600'000);
  REQUIRE(released.size() == 1);
  CHECK(released[0].kind == "update");
  CHECK(released[0].languages == std::vector<std::string>{"en", "ru", "uk"});
  CHECK(released[0].idempotency_key == "story-3/languages-3");
  CHECK(d.Tick(10'000'000).empty());
  SECTION("after the cooldown an update is raised at once") {
    auto a = d.Observe(MakeStory(3, {"en", "uk", "ru", "de"}, 4), 1'300'000);
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == "update");
  }
}

TEST_CASE("SpreadDetector: restored state suppresses alerts already raised", "[alert][spread]") {
  SpreadDetector d(Defaults());
  d.RestoreAlerted(4, 2, 0);
  CHECK(d.Observe(MakeStory(4, {"en", "uk"}, 2), 100).empty());
  auto a = d.Observe(MakeStory(4, {"en", "uk", "ru"}, 3), 700'000);
  REQUIRE(a.size() == 1);
  CHECK(a[0].kind == "update");
}

TEST_CASE("SpreadDetector: thresholds come from options", "[alert][spread]") {
  AlertOptions o = Defaults();
  o.min_languages = 3;
  o.min_sources = 1;
  SpreadDetector d(o);
  CHECK(d.Observe(MakeStory(5, {"en", "de"}, 1), 0).empty());
  CHECK(d.Observe(MakeStory(5, {"en", "de", "fr"}, 1), 1).size() == 1);
}

}  // namespace
}  // namespace babelwatch::alert
