#include "feeds/html_text.h"
#include "feeds/feed_parser.h"

#include <catch2/catch.hpp>

namespace babelwatch::feeds {
namespace {

TEST_CASE("HtmlText: tags stripped, entities decoded, whitespace collapsed", "[feeds][html]") {
  CHECK(HtmlToText("<p>Hello <b>world</b></p>\n\n<p>Second&nbsp;para</p>") ==
        "Hello world Second para");
  CHECK(HtmlToText("AT&amp;T &lt;rocks&gt; &#8217; &#x41; &eacute;") ==
        "AT&T <rocks> \u2019 A \u00e9");
  CHECK(HtmlToText("a<br/>b") == "a b");
  CHECK(HtmlToText("<a href=\"x>y\">link</a> text") == "link text");
}

TEST_CASE("HtmlText: scripts, styles and comments are dropped", "[feeds][html]") {
  CHECK(HtmlToText("<script>var a = '<b>x</b>';</script>visible<style>p{}</style>") == "visible");
  CHECK(HtmlToText("a<!-- hidden -->b") == "ab");
  CHECK(HtmlToText("<SCRIPT>x</SCRIPT>y") == "y");
}

TEST_CASE("HtmlText: a '<' that is not a tag stays text", "[feeds][html]") {
  CHECK(HtmlToText("Fish & Chips & more <3") == "Fish & Chips & more <3");
  CHECK(HtmlToText("a < b") == "a < b");
  CHECK(HtmlToText("unterminated <b") == "unterminated");
}

TEST_CASE("HtmlText: unknown and malformed references are kept", "[feeds][html]") {
  CHECK(DecodeHtmlEntities("&bogus; &amp &#; &#xZZ;") == "&bogus; &amp &#; &#xZZ;");
  CHECK(DecodeHtmlEntities("&#0;&#xD800;&#1114112;") == "\uFFFD\uFFFD\uFFFD");
  CHECK(DecodeHtmlEntities("&#150;") == "\u2013");  // windows-1252 C1 reference
  CHECK(LookupHtmlEntity("amp") == 0x26u);
  CHECK_FALSE(LookupHtmlEntity("nosuch").has_value());
}

TEST_CASE("HtmlText: UTF-8 validation and repair", "[feeds][html]") {
  CHECK(IsValidUtf8("plain ascii \xD0\x9F"));
  CHECK_FALSE(IsValidUtf8("\xC0\x80"));          // overlong
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
  bool changed = false;
  std::string fixed = SanitizeUtf8(
      "a\xFF"
      "b\x01"
      "c",
      &changed);
  CHECK(changed);
  CHECK(fixed == "a\uFFFDbc");
  CHECK(CollapseWhitespace("  a \t\n b\u00a0c  ") == "a b c");
}

}  // namespace
}  // namespace babelwatch::feeds

namespace babelwatch::feeds {
namespace {

TEST_CASE("HtmlText: article bodies keep paragraph breaks, titles are one line",
          "[feeds][html]") {
  const std::string html = "<p>First  paragraph.</p>\n<ul><li>Related: one</li><li>two</li></ul>"
                           "<p>Last<br>line &amp; end</p>";
  CHECK(HtmlToText(html) == "First paragraph. Related: one two Last line & end");
  CHECK(HtmlToText(html, Lines::kKeep) == "First paragraph.\nRelated: one\ntwo\nLast\nline & end");
  CHECK(CollapseWhitespace("  a \t b \n\n  c  \r\n d ", Lines::kKeep) == "a b\nc\nd");
  CHECK(CollapseWhitespace("  a \t b \n\n  c  ") == "a b c");
}

TEST_CASE("ParseFeed: an item's plain-text description keeps its lines", "[feeds][html]") {
  const std::string rss =
      "<rss version=\"2.0\"><channel><title>t</title><item><title>A\n  title</title>"
      "<link>https://example.com/a</link><description>Body line one.\nMore headlines:\n"
      "Other story</description></item></channel></rss>";
  auto feed = ParseFeed(rss, ParseContext{});
  REQUIRE(feed.has_value());
  REQUIRE(feed->items.size() == 1);
  CHECK(feed->items[0].title == "A title");
  CHECK(feed->items[0].text == "Body line one.\nMore headlines:\nOther story");
}

}  // namespace
}  // namespace babelwatch::feeds
