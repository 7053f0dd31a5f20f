#include "store/codec.h"

#include <catch2/catch.hpp>

#include "tests/store/result_printer.h"

namespace babelwatch::store {
namespace {

StorySummary SampleStory() {
  StorySummary s;
  s.id = 18446744073709551615ULL;  // the largest id survives the signed SQLite column
  s.first_seen_ms = 1'700'000'000'000;
  s.last_seen_ms = 1'700'000'360'000;
  s.documents = 4;
  s.independent_sources = 3;
  s.sources = {"reuters.com", "pravda.com.ua", "ria.ru"};
  s.languages = {
      {"en", 1'700'000'000'000, "Kazakhstan \"won't\" recognise", "reuters.com",
       "https://example.com/a?x=1&y=2"},
      {"uk", 1'700'000'100'000, "Казахстан не визнає", "pravda.com.ua", "https://example.com/b"}};
  s.keys = {"kazakhstan", "referendum"};
  return s;
}

TEST_CASE("Codec: a story survives encode then decode", "[store][codec]") {
  const StorySummary s = SampleStory();
  Result<StorySummary> back = DecodeStory(EncodeStory(s));
  REQUIRE(back);
  CHECK(back->id == s.id);
  CHECK(back->first_seen_ms == s.first_seen_ms);
  CHECK(back->last_seen_ms == s.last_seen_ms);
  CHECK(back->documents == 4);
  CHECK(back->independent_sources == 3);
  CHECK(back->sources == s.sources);
  CHECK(back->keys == s.keys);
  REQUIRE(back->languages.size() == 2);
  CHECK(back->languages[1].lang == "uk");
  CHECK(back->languages[1].title == "Казахстан не визнає");
  CHECK(back->languages[0].url == "https://example.com/a?x=1&y=2");
  CHECK(back->languages[0].title == "Kazakhstan \"won't\" recognise");
}

TEST_CASE("Codec: an alert survives encode then decode", "[store][codec]") {
  Alert a;
  a.story = 42;
  a.kind = "spread";
  a.languages = {"en", "uk"};
  a.sources = 2;
  a.at_ms = 1'700'000'100'000;
  a.idempotency_key = "story-42/languages-2";
  a.story_snapshot = SampleStory();
  Result<Alert> back = DecodeAlert(EncodeAlert(a));
  REQUIRE(back);
  CHECK(back->story == 42);
  CHECK(back->kind == "spread");
  CHECK(back->languages == a.languages);
  CHECK(back->sources == 2);
  CHECK(back->at_ms == a.at_ms);
  CHECK(back->idempotency_key == a.idempotency_key);
  CHECK(back->story_snapshot.languages.size() == 2);
}

TEST_CASE("Codec: malformed blobs are errors naming the problem", "[store][codec]") {
  SECTION("not JSON") {
    Result<StorySummary> r = DecodeStory("{not json");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kInvalidArgument);
    CHECK_THAT(r.error().message, Catch::Contains("not valid JSON"));
  }
  SECTION("not an object") {
    Result<Alert> r = DecodeAlert("[1,2]");
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("not a JSON object"));
  }
  SECTION("a field of the wrong type") {
    std::string blob = EncodeStory(SampleStory());
    blob.replace(blob.find("\"documents\":4"), 13, "\"documents\":\"4\"");
    Result<StorySummary> r = DecodeStory(blob);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("\"documents\""));
  }
  SECTION("a missing nested field") {
    Result<Alert> r =
        DecodeAlert(R"({"story":1,"kind":"spread","languages":[],"sources":1,"at_ms":1,)"
                    R"("idempotency_key":"k"})");
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("story_snapshot"));
  }
  SECTION("a negative story id") {
    Result<Alert> r = DecodeAlert(R"({"story":-1})");
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("\"story\""));
  }
}

}  // namespace
}  // namespace babelwatch::store
