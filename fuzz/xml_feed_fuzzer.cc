// libFuzzer target: ParseFeed on arbitrary bytes (mostly the XML path: RSS/Atom/RDF, charset
// detection, entity repair, HTML-to-text). The first byte picks an HTTP Content-Type.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "feeds/feed_parser.h"
#include "fuzz/fuzz_invariants.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace babelwatch::feeds;
  static constexpr const char* kTypes[] = {"",
                                           "application/rss+xml",
                                           "text/xml; charset=koi8-r",
                                           "application/atom+xml; charset=windows-1251",
                                           "text/html",
                                           "application/xml; charset=utf-16"};
  ParseContext ctx;
  ctx.url = "http://fuzz.example/feed/";
  ctx.fetch_time_ms = 1;
  if (size > 0) {
    ctx.content_type = kTypes[data[0] % (sizeof kTypes / sizeof kTypes[0])];
    ++data;
    --size;
  }
  std::string_view body(reinterpret_cast<const char*>(data), size);
  fuzz::CheckParsedFeed(ParseFeed(body, ctx));
  return 0;
}
