#include <catch2/catch.hpp>

#include "feeds/date_parser.h"
#include "feeds/feed_parser.h"
#include "tests/feeds/feed_test_util.h"

namespace babelwatch::feeds {
namespace {

using testing::DataFile;

TEST_CASE("JsonFeedParser: JSON Feed 1.1 items, with bad entries skipped", "[feeds][parser]") {
  ParseContext ctx;
  ctx.fetch_time_ms = 5000;
  ctx.feed_id = "json";
  Result<ParsedFeed> r = ParseFeed(DataFile("jsonfeed11_basic.json"), ctx);
  REQUIRE(r.has_value());
  CHECK(r->family == "json");
  CHECK(r->version == "1.1");
  CHECK(r->title == "JSON example");
  CHECK(r->link == "https://json.example.org/");
  CHECK(r->language == "es");
  CHECK(r->detail.id == "https://json.example.org/feed.json");
  REQUIRE(r->items.size() == 3);  // the string entry is skipped with a warning
  CHECK_FALSE(r->warnings.empty());

  CHECK(r->items[0].id == "1");
  CHECK(r->items[0].url == "https://json.example.org/posts/1");  // resolved via feed_url
  CHECK(r->items[0].source == "json.example.org");
  CHECK(r->items[0].text == "Hola mundo");
  CHECK(FormatIsoUtc(r->items[0].published_ms) == "2020-08-07T16:44:36Z");
  CHECK(r->items[0].lang_hint == "es");

  CHECK(r->items[1].id == "42");  // integer ids are coerced
  CHECK(r->items[1].text == "text only");
  CHECK(r->items[1].lang_hint == "pt");
  CHECK(r->items[1].published_ms == 5000);

  CHECK(r->items[2].title.empty());  // a number title is ignored
  CHECK(r->items[2].text == "s");
  CHECK(FormatIsoUtc(r->items[2].published_ms) == "2021-01-01T00:00:00Z");
  CHECK(r->undated_items == 1);
}

TEST_CASE("JsonFeedParser: invalid and non-feed JSON are errors", "[feeds][parser]") {
  ParseContext ctx;
  SECTION("truncated") {
    Result<ParsedFeed> r = ParseFeed("{\"version\": \"https://jsonfeed.org/version/1\", \"ti", ctx);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Code::kInvalidArgument);
    CHECK(r.error().message.find("json") != std::string::npos);
  }
  SECTION("array") {
    Result<ParsedFeed> r = ParseFeed("[1, 2, 3]", ctx);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("not a JSON Feed") != std::string::npos);
  }
  SECTION("too deep") {
    std::string deep = "{\"items\":" + std::string(1000, '[') + std::string(1000, ']') + "}";
    Result<ParsedFeed> r = ParseFeed(deep, ctx);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Code::kResourceExhausted);
  }
}

TEST_CASE("JsonFeedParser: items that is not an array gives zero items", "[feeds][parser]") {
  Result<ParsedFeed> r =
      ParseFeed(R"({"version":"https://jsonfeed.org/version/1","title":"t","items":{"a":1}})",
                ParseContext{});
  REQUIRE(r.has_value());
  CHECK(r->items.empty());
  CHECK_FALSE(r->warnings.empty());
}

}  // namespace
}  // namespace babelwatch::feeds
