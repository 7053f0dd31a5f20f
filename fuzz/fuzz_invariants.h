// Invariants every fuzzer checks on a ParseFeed result: all strings valid UTF-8, items and
// entries parallel, counters consistent. Violations abort so libFuzzer records a crash.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "feeds/feed_parser.h"
#include "feeds/html_text.h"

namespace babelwatch::feeds::fuzz {

inline void Require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

inline void CheckParsedFeed(const Result<ParsedFeed>& r) {
  if (!r.has_value()) {
    Require(!r.error().message.empty(), "error without a message");
    return;
  }
  const ParsedFeed& f = *r;
  Require(f.items.size() == f.entries.size(), "items and entries differ in length");
  Require(f.items.size() <= kMaxItems, "more than kMaxItems items");
  Require(f.undated_items >= 0 && static_cast<size_t>(f.undated_items) <= f.items.size(),
          "undated_items out of range");
  Require(f.family == "rss" || f.family == "atom" || f.family == "json", "unknown family");
  for (const std::string* s : {&f.title, &f.link, &f.language, &f.encoding}) {
    Require(IsValidUtf8(*s), "feed string is not valid UTF-8");
  }
  for (const Item& i : f.items) {
    for (const std::string* s : {&i.id, &i.source, &i.url, &i.title, &i.text, &i.lang_hint}) {
      Require(IsValidUtf8(*s), "item string is not valid UTF-8");
    }
    Require(!i.id.empty(), "item without an id");
  }
}

}  // namespace babelwatch::feeds::fuzz
