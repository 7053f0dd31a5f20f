#include "feeds/main_text.h"

#include <catch2/catch.hpp>

#include "tests/feeds/article_page.h"

namespace babelwatch::feeds {

using testdata::ArticlePage;
using testdata::kParagraph1;
using testdata::kParagraph2;
using testdata::kParagraph3;

TEST_CASE("ExtractMainText: keeps the article paragraphs, drops page furniture",
          "[feeds][fulltext]") {
  auto text = ExtractMainText(ArticlePage());
  REQUIRE(text.has_value());
  CHECK(text->find(kParagraph1) != std::string::npos);
  CHECK(text->find(kParagraph3) != std::string::npos);
  CHECK(text->find("territorial integrity") != std::string::npos);
  for (const char* junk : {"Script text", "Site header", "Related headline", "Buy our product",
                           "Most read", "Copyright", "color:red"}) {
    INFO(junk);
    CHECK(text->find(junk) == std::string::npos);
  }
  CHECK(text->find("\n\n") != std::string::npos);
}

TEST_CASE("ExtractMainText: pages without an article and hostile pages", "[feeds][fulltext]") {
  auto empty = ExtractMainText("<html><body><p>Too short.</p></body></html>");
  REQUIRE(empty.has_error());
  CHECK(empty.error().code == Code::kNotFound);
  CHECK(ExtractMainText("").has_error());
  CHECK(ExtractMainText("\x00\x01\x02 not html at all").has_error());
  auto big = ExtractMainText(std::string(kMaxArticleBytes + 1, 'a'));
  REQUIRE(big.has_error());
  CHECK(big.error().code == Code::kResourceExhausted);
  // Deep nesting must not overflow the stack.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<div>";
  deep += "<p>" + kParagraph1 + kParagraph2 + "</p>";
  auto deep_result = ExtractMainText(deep);
  CHECK((deep_result.has_value() || deep_result.error().code == Code::kNotFound));
  // Entities are not expanded from anywhere but the HTML table.
  auto xxe = ExtractMainText("<!DOCTYPE html [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><p>&x; " +
                             kParagraph1 + kParagraph2 + "</p>");
  REQUIRE(xxe.has_value());
  CHECK(xxe->find("root:") == std::string::npos);
}

}  // namespace babelwatch::feeds
