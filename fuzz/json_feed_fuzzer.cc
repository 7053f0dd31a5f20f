// libFuzzer target: the JSON Feed path of ParseFeed. Input that does not start with '{' is
// wrapped as the value of "items" so most runs reach the item loop.
#include <cstddef>
#include <cstdint>
#include <string>

#include "feeds/feed_parser.h"
#include "fuzz/fuzz_invariants.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace babelwatch::feeds;
  std::string body(reinterpret_cast<const char*>(data), size);
  if (body.empty() || body[0] != '{') {
    body = "{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":" + body + "}";
  }
  ParseContext ctx;
  ctx.url = "https://fuzz.example/feed.json";
  fuzz::CheckParsedFeed(ParseFeed(body, ctx));
  return 0;
}
