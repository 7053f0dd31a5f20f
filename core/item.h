// File: core/item.h
//
// Item: one feed entry after parsing, normalised. This is what feeds/ hands to detect/ and
// what replay builds from a JSONL record. Plain value type.
#pragma once

#include <cstdint>
#include <string>

namespace babelwatch {

struct Item {
  std::string id;         // stable identity: feed guid/id, else link, else a hash (replay: "id")
  std::string feed_id;    // configured feed id ("" in replay)
  std::string source;     // publisher domain or name, used to count independent sources
  std::string url;        // canonical link to the article
  std::string title;      // plain text, entities decoded
  std::string text;       // plain text body or summary, HTML stripped; may be empty
  int64_t published_ms = 0;  // UTC, milliseconds since the epoch
  std::string lang_hint;  // declared language from the feed or HTTP headers ("" if none)
};

}  // namespace babelwatch
