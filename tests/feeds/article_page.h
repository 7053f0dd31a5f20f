// File: tests/feeds/article_page.h
//
// A news article page with the usual furniture (header, nav, ads, related headlines, footer)
// around three paragraphs, shared by the main-text and article-fetcher tests.
#pragma once

#include <string>

namespace babelwatch::feeds::testdata {

inline const std::string kParagraph1 =
    "The foreign ministry said on Monday that the country would not recognise the results of "
    "the votes held in the occupied regions, calling them a violation of international law.";
inline const std::string kParagraph2 =
    "A spokesman added that the position had been communicated to the ambassador, and that the "
    "government remained committed to the territorial integrity of all states.";
inline const std::string kParagraph3 =
    "Officials in the capital declined to comment further on the matter when asked by reporters.";

inline std::string ArticlePage() {
  std::string related;
  for (int i = 0; i < 8; ++i) {
    related += "<li><a href=\"/r" + std::to_string(i) + "\">Related headline number " +
               std::to_string(i) + " that is long enough to count as a paragraph</a></li>";
  }
  return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Page</title>"
         "<style>p{color:red}</style><script>var x = 'Script text that must go away';</script>"
         "</head><body>"
         "<header><p>Site header with a slogan that is rather long and boring here</p></header>"
         "<nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/world\">World</a></li></ul></nav>"
         "<div class=\"layout\"><main><article><h1>Title</h1>"
         "<p>" +
         kParagraph1 +
         "</p><div class=\"ad-slot\"><p>Buy our product today, it is "
         "the best product in the whole wide world</p></div>"
         "<p>" +
         kParagraph2 +
         " <a href=\"/x\">link</a></p>"
         "<p>" +
         kParagraph3 +
         "</p></article></main>"
         "<aside class=\"related\"><ul>" +
         related +
         "</ul></aside></div>"
         "<div class=\"most-read\"><p><a href=\"/m\">Most read: another headline that is long "
         "enough to count</a></p></div>"
         "<footer><p>Copyright footer text that is long enough to be a paragraph</p></footer>"
         "</body></html>";
}

}  // namespace babelwatch::feeds::testdata
