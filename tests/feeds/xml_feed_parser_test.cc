#include <catch2/catch.hpp>

#include "feeds/date_parser.h"
#include "feeds/feed_parser.h"
#include "feeds/html_text.h"
#include "tests/feeds/feed_test_util.h"

namespace babelwatch::feeds {
namespace {

using testing::DataFile;

ParseContext Context(std::string url = "http://feeds.example.org/feed.xml") {
  ParseContext ctx;
  ctx.url = std::move(url);
  ctx.fetch_time_ms = 1'700'000'000'000;
  ctx.feed_id = "example";
  ctx.declared_language = "xx";
  return ctx;
}

TEST_CASE("RssParser: RSS 2.0 items are normalised into core Items", "[feeds][parser]") {
  Result<ParsedFeed> r = ParseFeed(DataFile("rss20_basic.xml"), Context());
  REQUIRE(r.has_value());
  CHECK(r->family == "rss");
  CHECK(r->version == "2.0");
  CHECK(r->title == "Example & News");
  CHECK(r->link == "http://news.example.org/");
  CHECK(r->language == "de-DE");
  CHECK(r->encoding == "utf-8");
  CHECK(r->wellformed);
  CHECK_FALSE(r->incomplete);
  REQUIRE(r->items.size() == 3);
  REQUIRE(r->entries.size() == 3);

  const Item& first = r->items[0];
  CHECK(first.id == "urn:example:1");
  CHECK(first.feed_id == "example");
  CHECK(first.url == "http://news.example.org/section/stories/1.html");
  CHECK(first.source == "news.example.org");
  CHECK(first.title == "First bold story");
  CHECK(first.text == "Summary with a link here");
  CHECK(first.published_ms == *ParseFeedDate("2003-06-10T04:00:00Z"));
  CHECK(first.lang_hint == "de-DE");

  const Item& second = r->items[1];
  CHECK(second.id == "http://www.other.example.com/2");  // no guid: the link
  CHECK(second.source == "other.example.com");           // "www." removed
  CHECK(second.text == "Full text");                     // content:encoded wins
  CHECK(FormatIsoUtc(second.published_ms) == "2003-06-11T07:30:00Z");

  const Item& third = r->items[2];
  CHECK(third.id.rfind("hash:", 0) == 0);  // neither guid nor link
  CHECK(third.url.empty());
  CHECK(third.source == "feeds.example.org");  // from the feed URL
  CHECK(third.published_ms == 1'700'000'000'000);
  CHECK(third.lang_hint == "fr");
  CHECK(r->undated_items == 1);
}

TEST_CASE("RssParser: the hash id is stable across parses", "[feeds][parser]") {
  Result<ParsedFeed> a = ParseFeed(DataFile("rss20_basic.xml"), Context());
  Result<ParsedFeed> b = ParseFeed(DataFile("rss20_basic.xml"), Context("http://x.example/"));
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->items[2].id == b->items[2].id);
}

TEST_CASE("AtomParser: Atom 1.0 text constructs, links and dates", "[feeds][parser]") {
  Result<ParsedFeed> r = ParseFeed(DataFile("atom10_basic.xml"), Context());
  REQUIRE(r.has_value());
  CHECK(r->family == "atom");
  CHECK(r->version == "1.0");
  CHECK(r->title == "A blog");
  CHECK(r->link == "http://blog.example.net/");
  CHECK(r->language == "en");
  CHECK(r->detail.id == "tag:blog.example.net,2024:feed");
  REQUIRE(r->items.size() == 2);
  const Item& e = r->items[0];
  CHECK(e.id == "tag:blog.example.net,2024:1");
  CHECK(e.url == "http://blog.example.net/posts/1");
  CHECK(e.title == "Заголовок");
  CHECK(e.text == "XHTML content");
  CHECK(FormatIsoUtc(e.published_ms) == "2024-03-01T08:00:00Z");
  CHECK(e.lang_hint == "uk");
  CHECK(r->entries[0].summary.value == "Plain <summary>");
  CHECK_FALSE(r->entries[0].summary.is_html);
  // An entry with only <updated> is dated by it, not by the fetch time.
  CHECK(FormatIsoUtc(r->items[1].published_ms) == "2024-03-03T00:00:00Z");
  CHECK(r->items[1].lang_hint == "en");
  CHECK(r->undated_items == 0);
}

TEST_CASE("AtomParser: Atom 0.3 with escaped and base64 content", "[feeds][parser]") {
  const std::string doc = R"(<feed version="0.3" xmlns="http://purl.org/atom/ns#">
    <title mode="escaped" type="text/html">&lt;b&gt;Old&lt;/b&gt; Atom</title>
    <entry><title>e</title><id>urn:e</id><issued>2004-01-01T00:00:00Z</issued>
      <content type="text/html" mode="base64">PHA+SGVsbG88L3A+</content></entry>
  </feed>)";
  Result<ParsedFeed> r = ParseFeed(doc, Context());
  REQUIRE(r.has_value());
  CHECK(r->version == "0.3");
  CHECK(r->title == "Old Atom");
  REQUIRE(r->items.size() == 1);
  CHECK(r->items[0].text == "Hello");
  CHECK(FormatIsoUtc(r->items[0].published_ms) == "2004-01-01T00:00:00Z");
}

TEST_CASE("RdfParser: RSS 1.0 items outside the channel", "[feeds][parser]") {
  Result<ParsedFeed> r = ParseFeed(DataFile("rdf10_basic.xml"), Context());
  REQUIRE(r.has_value());
  CHECK(r->family == "rss");
  CHECK(r->version == "1.0");
  CHECK(r->language == "ru");
  REQUIRE(r->items.size() == 1);
  CHECK(r->items[0].title == "RDF item");
  CHECK(r->items[0].id == "http://rdf.example.org/item/1");
  CHECK(FormatIsoUtc(r->items[0].published_ms) == "2005-01-02T03:04:05Z");
}

TEST_CASE("RssParser: koi8-r document decoded from its XML declaration", "[feeds][parser]") {
  Result<ParsedFeed> r = ParseFeed(DataFile("rss091_koi8r.xml"), Context());
  REQUIRE(r.has_value());
  CHECK(r->encoding == "koi8-r");
  CHECK(r->version == "0.91");
  CHECK(r->title == "Новости");
  REQUIRE(r->items.size() == 1);
  CHECK(r->items[0].title == "Привет, мир");
}

TEST_CASE("RssParser: HTTP charset overrides the XML declaration", "[feeds][parser]") {
  std::string body =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>"
      "<title>\xCF\xF0\xE8\xE2\xE5\xF2</title></channel></rss>";
  ParseContext ctx = Context();
  ctx.content_type = "application/rss+xml; charset=windows-1251";
  Result<ParsedFeed> r = ParseFeed(body, ctx);
  REQUIRE(r.has_value());
  CHECK(r->encoding == "windows-1251");
  CHECK(r->title == "Привет");
}

TEST_CASE("RssParser: language falls back to Content-Language, then the configured one",
          "[feeds][parser]") {
  const std::string doc =
      "<rss version=\"2.0\"><channel><title>t</title><item><title>i</title>"
      "<guid>g</guid></item></channel></rss>";
  ParseContext ctx = Context();
  Result<ParsedFeed> declared = ParseFeed(doc, ctx);
  REQUIRE(declared.has_value());
  CHECK(declared->items[0].lang_hint == "xx");
  ctx.content_language = "pl";
  Result<ParsedFeed> http = ParseFeed(doc, ctx);
  REQUIRE(http.has_value());
  CHECK(http->items[0].lang_hint == "pl");
  CHECK(http->language == "pl");
}

TEST_CASE("RssParser: HTML entities without a DTD are recovered", "[feeds][parser]") {
  const std::string doc =
      "<rss version=\"2.0\"><channel><title>Caf&eacute; &amp; Bar&nbsp;&copy; &mdash; Q&A</title>"
      "</channel></rss>";
  Result<ParsedFeed> r = ParseFeed(doc, Context());
  REQUIRE(r.has_value());
  CHECK(r->title == "Café & Bar © — Q&A");
  CHECK_FALSE(r->wellformed);
  CHECK_FALSE(r->incomplete);
}

TEST_CASE("RssParser: a truncated document is flagged incomplete", "[feeds][parser]") {
  const std::string doc =
      "<rss version=\"2.0\"><channel><title>T</title><item><title>one</title><guid>1</guid>"
      "</item><item><title>tw";
  Result<ParsedFeed> r = ParseFeed(doc, Context());
  REQUIRE(r.has_value());
  CHECK(r->incomplete);
  CHECK_FALSE(r->wellformed);
  REQUIRE_FALSE(r->items.empty());
  CHECK(r->items[0].title == "one");
}

TEST_CASE("FeedParser: documents that are not feeds are errors", "[feeds][parser]") {
  SECTION("HTML page") {
    Result<ParsedFeed> r = ParseFeed(
        "<html><head><title>Home</title><link rel=\"alternate\" "
        "type=\"application/rss+xml\" href=\"/rss\"/></head><body></body></html>",
        Context());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Code::kInvalidArgument);
    CHECK(r.error().message.find("not a feed") != std::string::npos);
    CHECK(r.error().message.find("http://feeds.example.org/rss") != std::string::npos);
  }
  SECTION("other XML") {
    Result<ParsedFeed> r = ParseFeed("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", Context());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("<svg>") != std::string::npos);
  }
  SECTION("empty body") {
    Result<ParsedFeed> r = ParseFeed("", Context());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Code::kInvalidArgument);
  }
  SECTION("too large") {
    std::string huge(kMaxFeedBytes + 1, ' ');
    Result<ParsedFeed> r = ParseFeed(huge, Context());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Code::kResourceExhausted);
  }
}

TEST_CASE("RssParser: undeclared well-known prefixes are understood", "[feeds][parser]") {
  const std::string doc =
      "<rss version=\"2.0\"><channel><atom:link href=\"http://site.example/\" "
      "rel=\"alternate\" type=\"text/html\"/><item><dc:date>2010-01-01T00:00:00Z</dc:date>"
      "<title>x</title></item></channel></rss>";
  Result<ParsedFeed> r = ParseFeed(doc, Context());
  REQUIRE(r.has_value());
  CHECK(r->link == "http://site.example/");
  REQUIRE(r->items.size() == 1);
  CHECK(FormatIsoUtc(r->items[0].published_ms) == "2010-01-01T00:00:00Z");
}

}  // namespace
}  // namespace babelwatch::feeds
