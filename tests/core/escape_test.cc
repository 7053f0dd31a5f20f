#include "core/escape.h"

#include <catch2/catch.hpp>

namespace babelwatch {
namespace {

TEST_CASE("Escaped: kText replaces & < > and keeps quotes", "[core][escape]") {
  CHECK(Escaped("a & b <c> d", EscapeSet::kText) == "a &amp; b &lt;c&gt; d");
  CHECK(Escaped("say \"hi\" it's", EscapeSet::kText) == "say \"hi\" it's");
  CHECK(Escaped("&amp;", EscapeSet::kText) == "&amp;amp;");
}

TEST_CASE("Escaped: kXmlAttribute also replaces the double quote", "[core][escape]") {
  CHECK(Escaped("a=\"<b>\" & 'c'", EscapeSet::kXmlAttribute) ==
        "a=&quot;&lt;b&gt;&quot; &amp; 'c'");
}

TEST_CASE("Escaped: kHtmlAttribute replaces both quotes", "[core][escape]") {
  CHECK(Escaped("<a href=\"x\">it's</a>", EscapeSet::kHtmlAttribute) ==
        "&lt;a href=&quot;x&quot;&gt;it&#39;s&lt;/a&gt;");
}

TEST_CASE("Escaped: empty input, plain text and UTF-8 pass through", "[core][escape]") {
  for (auto set : {EscapeSet::kText, EscapeSet::kXmlAttribute, EscapeSet::kHtmlAttribute}) {
    CHECK(Escaped("", set).empty());
    CHECK(Escaped("Київ 東京 *bold*", set) == "Київ 東京 *bold*");
    const std::string with_nul("a\0b", 3);
    CHECK(Escaped(with_nul, set) == with_nul);
  }
}

TEST_CASE("AppendEscaped: appends after what the string already holds", "[core][escape]") {
  std::string out = "<p>";
  AppendEscaped(out, "1 < 2", EscapeSet::kText);
  AppendEscaped(out, "", EscapeSet::kText);
  out += "</p>";
  CHECK(out == "<p>1 &lt; 2</p>");
}

}  // namespace
}  // namespace babelwatch
